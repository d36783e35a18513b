// The submission pacer: what it learns from a 429, when it lets the next submission start, and
// that a client behind it rides out a sustained per-window limit without spending its attempts.
using System.Net;
using System.Text;
using HighwayHailuo.Api;
using Xunit;

namespace HighwayHailuo.UnitTests;

public sealed class RatePacerTests
{
    private DateTime _now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly List<TimeSpan> _waits = new();

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

        // The first acceptance leaves the window at 60 s: 30 s after the refusal.
        Assert.Equal(TimeSpan.FromSeconds(30), Assert.Single(_waits));
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
        pacer.Delay = (_, ct) => Task.Delay(Timeout.Infinite, ct); // only a finished submission can wake the waiter

        var first = await pacer.WaitTurnAsync(default);
        var second = pacer.WaitTurnAsync(default);
        await Task.Delay(50);
        Assert.False(second.IsCompleted); // one counted and one in flight fill the window

        first.Dispose(); // no answer: its place is free again
        (await second).Counted();
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

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pacer.WaitTurnAsync(cancel.Token));
    }

    [Fact]
    public async Task AClientRidesOutASustainedLimitWithoutSpendingItsAttempts()
    {
        // 3 submissions per 300 ms, 429 without Retry-After beyond; two attempts per submission
        // would not survive even the first burst's refusals if 429s counted as attempts.
        var server = new SlidingWindowServer(3, TimeSpan.FromMilliseconds(300));
        var connection = HighwayConnection.Resolve(HighwayConnection.ToSecureString("unit-test-key"), new Uri("https://api.test/"), null);
        var retry = new RetryPolicy { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(1) };
        var client = new HighwayClient(connection, new RequestGate(4), retry, null, new HttpClient(server))
        {
            SubmitPacer = new RatePacer(TimeSpan.FromMilliseconds(300)),
        };

        var ids = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => client.SubmitAsync(
            new SubmitRequest("p", null, new Uri($"https://images.test/{i}.jpg"), 6, "768P", false, false), default)));

        Assert.Equal(12, ids.Distinct().Count());
        Assert.Equal(12, server.Accepted);
        Assert.NotNull(client.SubmitPacer.Limit);
        Assert.InRange(server.Refused, 1, 11); // it was limited, and not once per submission
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
