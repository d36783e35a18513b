// The submission pacer: what it learns from a 429, when it lets the next submission start, and
// that a client behind it rides out a sustained per-window limit without spending its attempts.
using System.Net;
using System.Text;
using HighwayHailuo.Api;
using Xunit;
using HighwayHailuo.Catalogue;
using HighwayHailuo.FlowControl;

namespace HighwayHailuo.UnitTests;

public sealed class RatePacerTests
{
    private static readonly Uri s_host = new("https://api.test/");

    private DateTime _now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly List<TimeSpan> _waits = new();

    internal static TimeSpan OneSlice(double windowSeconds) => TimeSpan.FromTicks(TimeSpan.FromSeconds(windowSeconds).Ticks / RateWindow.Slices);

    private RatePacer Pacer(double windowSeconds = 60) => new(TimeSpan.FromSeconds(windowSeconds))
    {
        UtcNow = () => _now,
        // Sleeping moves the fake clock on.
        Delay = (d, _) => { _waits.Add(d); _now += d; return Task.CompletedTask; },
    };

    [Fact]
    public async Task NothingIsPacedBeforeTheFirstRefusal()
    {
        var pacer = Pacer();
        for (int i = 0; i < 100; i++)
            (await pacer.WaitTurnAsync(default)).Counted();

        Assert.Null(pacer.Limit);
        Assert.Empty(_waits);
    }

    [Fact]
    public async Task ARefusalTeachesTheCountAcceptedInTheWindowAndTheNextTurnWaitsForTheOldestToLeaveIt()
    {
        var pacer = Pacer();
        for (int i = 0; i < 3; i++)
        {
            (await pacer.WaitTurnAsync(default)).Counted();
            _now += TimeSpan.FromSeconds(10); // accepted at 0 s, 10 s, 20 s
        }
        Assert.True((await pacer.WaitTurnAsync(default)).RateLimited()); // refused at 30 s

        Assert.Equal(3, pacer.Limit);
        var turn = await pacer.WaitTurnAsync(default);

        // The first acceptance leaves the server's window at 60 s, 30 s after the refusal; the
        // pacer counts in slices of 1/600 of the window and forgets it one slice later, never sooner.
        Assert.Equal(TimeSpan.FromSeconds(30) + OneSlice(60), Assert.Single(_waits));
        turn.Counted();
    }

    [Fact]
    public async Task ARefusalWithNothingAcceptedInTheWindowTellsTheCallerToBackOff()
    {
        var pacer = Pacer();
        Assert.False((await pacer.WaitTurnAsync(default)).RateLimited());
        Assert.Null(pacer.Limit);
        Assert.Equal(0, pacer.Refusals);
    }

    [Fact]
    public async Task SubmissionsInFlightCountAgainstTheLearnedLimit()
    {
        var pacer = Pacer();
        (await pacer.WaitTurnAsync(default)).Counted(); // 0 s
        _now += TimeSpan.FromSeconds(10);
        (await pacer.WaitTurnAsync(default)).Counted(); // 10 s
        Assert.True((await pacer.WaitTurnAsync(default)).RateLimited()); // limit 2, learned at 10 s
        _now += TimeSpan.FromSeconds(55); // 65 s: one left the window, no probe due before 70 s
        var waits = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Only a finished submission can wake the waiter; reaching this wait is the signal that it waits.
        pacer.Delay = (_, ct) => { waits.TrySetResult(); return Task.Delay(Timeout.Infinite, ct); };

        var first = await pacer.WaitTurnAsync(default);
        var second = pacer.WaitTurnAsync(default);
        await waits.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(second.IsCompleted); // one counted and one in flight fill the window

        first.Dispose(); // no answer: its place is free again
        (await second).Counted();
    }

    [Fact]
    public async Task AProbeRefusedBesideABurstAtTheWindowsEdgeKeepsTheLimit()
    {
        // Limit 10, learned from 5 acceptances in one slice and 5 in the next.
        var pacer = Pacer();
        for (int i = 0; i < 5; i++)
            (await pacer.WaitTurnAsync(default)).Counted();
        _now += OneSlice(60) + OneSlice(60) / 2;
        for (int i = 0; i < 5; i++)
            (await pacer.WaitTurnAsync(default)).Counted();
        Assert.True((await pacer.WaitTurnAsync(default)).RateLimited());
        Assert.Equal(10, pacer.Limit);

        // A window later the probe lets 11 in; the first slice has left, the second straddles the
        // window's start, and the server refuses the 11th: the limit is 10 again, not the 5
        // acceptances that are surely in the window.
        _now += TimeSpan.FromSeconds(60) + OneSlice(60) / 4;
        for (int i = 0; i < 5; i++)
            (await pacer.WaitTurnAsync(default)).Counted();
        Assert.Equal(11, pacer.Limit);
        Assert.True((await pacer.WaitTurnAsync(default)).RateLimited());

        Assert.Equal(10, pacer.Limit);
    }

    [Fact]
    public async Task RefusalsOfTheFirstBurstInFlightLeaveTheLearnedLimitAlone()
    {
        var pacer = Pacer();
        for (int i = 0; i < 4; i++)
            (await pacer.WaitTurnAsync(default)).Counted();
        var inFlight = new List<RatePacer.Turn>();
        for (int i = 0; i < 5; i++)
            inFlight.Add(await pacer.WaitTurnAsync(default)); // sent before anything was refused

        foreach (var turn in inFlight)
            Assert.True(turn.RateLimited());

        Assert.Equal(4, pacer.Limit);
        Assert.Equal(5, pacer.Refusals);
    }

    [Fact]
    public async Task AWholeWindowWithoutARefusalLetsOneMoreThrough()
    {
        var pacer = Pacer();
        (await pacer.WaitTurnAsync(default)).Counted();
        Assert.True((await pacer.WaitTurnAsync(default)).RateLimited());
        Assert.Equal(1, pacer.Limit);

        _now += TimeSpan.FromSeconds(61);
        (await pacer.WaitTurnAsync(default)).Counted();

        Assert.Equal(2, pacer.Limit);
    }

    [Fact]
    public async Task AWaitingTurnEndsWhenCancelled()
    {
        var pacer = new RatePacer(TimeSpan.FromSeconds(60)); // real clock and delay
        (await pacer.WaitTurnAsync(default)).Counted();
        Assert.True((await pacer.WaitTurnAsync(default)).RateLimited());

        var waits = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        pacer.Delay = (d, ct) => { waits.TrySetResult(); return Task.Delay(d, ct); };
        using var cancel = new CancellationTokenSource();
        var waiting = pacer.WaitTurnAsync(cancel.Token);
        await waits.Task.WaitAsync(TimeSpan.FromSeconds(10)); // it is waiting for its turn, not refused up front
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public async Task AClientRidesOutASustainedLimitWithoutSpendingItsAttempts()
    {
        // 3 submissions per 300 ms, 429 without Retry-After beyond; two attempts per submission
        // would not survive even the first burst's refusals if 429s counted as attempts.
        var server = new SlidingWindowServer(3, TimeSpan.FromMilliseconds(300));
        var connection = HighwayConnection.Resolve(HighwayConnection.ToSecureString("unit-test-key"), new Uri("https://api.test/"), null, null);
        var retry = new RetryPolicy { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(1) };
        var pacer = new RatePacer(TimeSpan.FromMilliseconds(300));
        var client = new HighwayClient(connection, new RequestGate(4), retry, null, new HighwayClientOptions { Http = new HttpClient(server), PacerFor = _ => pacer });

        var ids = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => client.SubmitAsync(
            Requests.ImageToVideo("p", null, new Uri($"https://images.test/{i}.jpg"), 6, "768P", false, false), default)));

        Assert.Equal(12, ids.Distinct().Count());
        Assert.Equal(12, server.Accepted);
        Assert.NotNull(pacer.Limit);
        Assert.InRange(server.Refused, 1, 11); // it was limited, and not once per submission
    }

    [Fact]
    public async Task EachEndpointIsPacedByItsOwnPacerSinceTheServerLimitsEachModelOnItsOwn()
    {
        var server = new SlidingWindowServer(100, TimeSpan.FromSeconds(1));
        var connection = HighwayConnection.Resolve(HighwayConnection.ToSecureString("unit-test-key"), new Uri("https://api.test/"), null, null);
        var asked = new List<string>();
        var client = new HighwayClient(connection, new RequestGate(4), new RetryPolicy(), null, new HighwayClientOptions
        {
            Http = new HttpClient(server),
            PacerFor = endpoint => { lock (asked) asked.Add(endpoint); return new RatePacer(TimeSpan.FromSeconds(1)); },
        });
        var url = new RequestImage(new Uri("https://images.test/a.jpg"));

        await client.SubmitAsync(new SubmitRequest(HailuoModels.Find(HailuoModels.Hailuo23Fast, true)!, "p", url, null, 6, "768P", true, false), default);
        await client.SubmitAsync(new SubmitRequest(HailuoModels.Find(HailuoModels.Hailuo23, false)!, "p", null, null, 6, "768P", true, false), default);

        Assert.Equal(new[] { "minimax-hailuo-2.3-fast-i2v", "minimax-hailuo-2.3-t2v" }, asked);
        var session = new HighwayHailuo.Hosting.SessionSettings();
        Assert.Same(session.PacerFor(s_host, "k", "minimax-hailuo-02"), session.PacerFor(s_host, "k", "minimax-hailuo-02"));
        Assert.NotSame(session.PacerFor(s_host, "k", "minimax-hailuo-02"), session.PacerFor(s_host, "k", "minimax-hailuo-2.3-i2v"));
    }

    /// <summary>A handler that accepts at most N submissions in any window and answers 429 beyond.</summary>
    private sealed class SlidingWindowServer : HttpMessageHandler
    {
        private readonly int _limit;
        private readonly TimeSpan _window;
        private readonly Queue<DateTime> _taken = new();

        public SlidingWindowServer(int limit, TimeSpan window) => (_limit, _window) = (limit, window);

        public int Accepted { get; private set; }
        public int Refused { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            lock (_taken)
            {
                var now = DateTime.UtcNow;
                while (_taken.Count > 0 && now - _taken.Peek() >= _window)
                    _taken.Dequeue();
                if (_taken.Count >= _limit)
                {
                    Refused++;
                    return new HttpResponseMessage((HttpStatusCode)429) { Content = new StringContent("""{"reason":"RATE_LIMIT_EXCEEDED"}""", Encoding.UTF8, "application/json") };
                }
                _taken.Enqueue(now);
                Accepted++;
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent($$"""{"task_id":"t-{{Accepted}}"}""", Encoding.UTF8, "application/json") };
            }
        }
    }
}

/// <summary>
/// The window shared through the ledger file: what one pacer (another process, as far as the file
/// can tell) learns holds for the next, and what goes wrong with the file only makes a pacer alone.
/// </summary>
public sealed class SharedRateLedgerTests : IDisposable
{
    private static readonly Uri Host = new("https://api.test/");
    private const string Endpoint = "minimax-hailuo-2.3-i2v";
    private readonly string _dir = Directory.CreateTempSubdirectory("hailuo-ledger-").FullName;
    private DateTime _now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly List<TimeSpan> _waits = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string LedgerPath => Path.Combine(_dir, "rate-ledger-2.txt");

    private RatePacer Pacer(string key = "key-one", string? path = null) =>
        new(new FileRateLedger(path ?? LedgerPath, FileRateLedger.AccountOf(Host, key, Endpoint), TimeSpan.FromSeconds(60)))
        {
            UtcNow = () => _now,
            Delay = (d, _) => { _waits.Add(d); _now += d; return Task.CompletedTask; },
        };

    [Fact]
    public async Task ALimitOnePacerLearnedHoldsForAnotherThatWasNeverRefused()
    {
        var first = Pacer();
        var second = Pacer();
        (await first.WaitTurnAsync(default)).Counted();
        _now += TimeSpan.FromSeconds(10);
        (await second.WaitTurnAsync(default)).Counted();
        _now += TimeSpan.FromSeconds(10);
        Assert.True((await first.WaitTurnAsync(default)).RateLimited()); // both acceptances count: limit 2

        Assert.Equal(2, second.Limit);
        Assert.Equal(0, second.Refusals);
        (await second.WaitTurnAsync(default)).Counted();
        // The first acceptance (at 0 s) leaves the window at 60 s (and a slice), 40 s after the
        // refusal; the shared window is looked at again every 250 ms meanwhile.
        Assert.Equal(TimeSpan.FromSeconds(40) + RatePacerTests.OneSlice(60), _waits.Aggregate(TimeSpan.Zero, (a, b) => a + b));
        Assert.All(_waits, w => Assert.True(w <= TimeSpan.FromMilliseconds(250)));
    }

    [Fact]
    public async Task AnotherPacersSubmissionInFlightTakesAPlaceUntilItEnds()
    {
        var first = Pacer();
        var second = Pacer();
        (await first.WaitTurnAsync(default)).Counted();
        Assert.True((await first.WaitTurnAsync(default)).RateLimited()); // limit 1, learned at 0 s
        _now += TimeSpan.FromSeconds(61); // the acceptance has left; a probe makes it 2

        var inFlight = await first.WaitTurnAsync(default);
        var sameWindow = await second.WaitTurnAsync(default); // 1 in flight + 0 counted < 2
        var third = Pacer();
        // Each of the waiter's pauses is handed to the test, which ends it: no real time passes.
        var pauses = System.Threading.Channels.Channel.CreateUnbounded<TaskCompletionSource>();
        third.Delay = (_, ct) =>
        {
            var pause = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            pauses.Writer.TryWrite(pause);
            return pause.Task.WaitAsync(ct);
        };
        var waiting = third.WaitTurnAsync(default);
        Task<TaskCompletionSource> Paused() => pauses.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        (await Paused()).SetResult();
        // A second pause means it looked at the shared file again after the first, and found no room.
        var secondPause = await Paused();
        Assert.False(waiting.IsCompleted); // two submissions in flight, of other pacers, fill the window
        inFlight.Dispose(); // no answer: its place is free, and the waiter finds out when it looks again
        secondPause.SetResult();
        var done = waiting.WaitAsync(TimeSpan.FromSeconds(10));
        while (!done.IsCompleted)
        {
            var next = pauses.Reader.ReadAsync().AsTask();
            if (await Task.WhenAny(next, done) == next)
                (await next).SetResult();
        }
        (await done).Counted();
        sameWindow.Counted();
    }

    [Fact]
    public async Task AccountsAreApartAndTheKeyIsNeverInTheFile()
    {
        var one = Pacer("hh-secret-one-0123456789");
        var other = Pacer("hh-secret-two-0123456789");
        (await one.WaitTurnAsync(default)).Counted();
        Assert.True((await one.WaitTurnAsync(default)).RateLimited());

        Assert.Equal(1, one.Limit);
        Assert.Null(other.Limit);
        string text = File.ReadAllText(LedgerPath);
        Assert.DoesNotContain("secret", text);
        Assert.Contains(FileRateLedger.AccountOf(Host, "hh-secret-one-0123456789", Endpoint), text);
        Assert.Equal(16, FileRateLedger.AccountOf(Host, "k", Endpoint).Length);
        Assert.NotEqual(FileRateLedger.AccountOf(Host, "k", Endpoint), FileRateLedger.AccountOf(new Uri("https://api.test:8443/"), "k", Endpoint));
        // The server limits each model on its own: one model's limit is not another's.
        Assert.NotEqual(FileRateLedger.AccountOf(Host, "k", Endpoint), FileRateLedger.AccountOf(Host, "k", "minimax-hailuo-2.3-fast-i2v"));
    }

    [Fact]
    public async Task ASubmissionLeftInFlightByADeadProcessExpiresWithTheWindow()
    {
        string account = FileRateLedger.AccountOf(Host, "key-one", Endpoint);
        File.WriteAllText(LedgerPath,
            $"HighwayHailuo rate ledger 2\nL {account} 1 {_now.Ticks}\nF {account} {_now.Ticks} 777\nF {account} 12");
        var pacer = Pacer();

        (await pacer.WaitTurnAsync(default)).Counted(); // the dead entry held the one place for a window

        Assert.Equal(TimeSpan.FromSeconds(60), _waits.Aggregate(TimeSpan.Zero, (a, b) => a + b));
        Assert.Equal(2, pacer.Limit); // and a probe came due meanwhile; the torn last line was skipped
    }

    [Fact]
    public async Task ALimitNobodyUsedForTenWindowsIsForgotten()
    {
        var pacer = Pacer();
        (await pacer.WaitTurnAsync(default)).Counted();
        Assert.True((await pacer.WaitTurnAsync(default)).RateLimited());
        _now += TimeSpan.FromMinutes(10);

        (await Pacer().WaitTurnAsync(default)).Counted();

        Assert.Null(pacer.Limit);
        Assert.Empty(_waits);
    }

    [Fact]
    public async Task ReadingTheLimitDoesNotWriteTheLedger()
    {
        var pacer = Pacer();
        (await pacer.WaitTurnAsync(default)).Counted();
        Assert.True((await pacer.WaitTurnAsync(default)).RateLimited());
        var written = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(LedgerPath, written);

        Assert.Equal(1, pacer.Limit);

        Assert.Equal(written, File.GetLastWriteTimeUtc(LedgerPath));
    }

    [Fact]
    public async Task AnUnusableLedgerLeavesThePacerAloneAndSaysWhyOnce()
    {
        string blocked = Path.Combine(_dir, "a-file");
        File.WriteAllText(blocked, "not a folder");
        var pacer = Pacer(path: Path.Combine(blocked, "rate-ledger-2.txt"));

        (await pacer.WaitTurnAsync(default)).Counted();
        Assert.True((await pacer.WaitTurnAsync(default)).RateLimited());

        Assert.Equal(1, pacer.Limit); // learned in memory
        Assert.Contains("in this process only", pacer.TakeLedgerProblem());
        Assert.Null(pacer.TakeLedgerProblem());
    }
}
