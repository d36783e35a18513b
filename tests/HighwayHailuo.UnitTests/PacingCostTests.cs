// The pacer's window costs the same per submission however many submissions it holds: counted in
// bytes allocated and bytes of ledger file read and written (no clocks involved), for 10 and for
// 1,000 submissions in one window, with and without a learned limit, in memory and in the file.
// And what the window gives up for that: precision of one slice, always on the safe side.
using System.Text;
using HighwayHailuo.Api;
using Xunit;
using HighwayHailuo.FlowControl;

namespace HighwayHailuo.UnitTests;

public sealed class PacingCostTests : IDisposable
{
    private static readonly Uri s_host = new("https://api.test/");
    private static readonly TimeSpan s_window = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("hailuo-pacing-cost-").FullName;
    private DateTime _now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>What one batch of submissions cost, per submission.</summary>
    private sealed record Cost(double AllocatedBytes, double LedgerBytes);

    public static TheoryData<string, bool> Ledgers() => new()
    {
        { "memory", false }, { "memory", true }, { "file", false }, { "file", true },
    };

    [Theory]
    [MemberData(nameof(Ledgers))]
    public async Task TheCostPerSubmissionDoesNotGrowWithTheNumberInTheWindow(string where, bool limitKnown)
    {
        var small = await MeasureAsync(where, limitKnown, 10);
        var large = await MeasureAsync(where, limitKnown, 1000);

        // The same within a quarter: the slices the window spans (1 ms apart: 1 slice against 10)
        // add a few bytes. The one-line-per-submission ledger this replaced grew about fiftyfold.
        Assert.True(large.AllocatedBytes <= small.AllocatedBytes * 1.25,
            $"{where}, limit known {limitKnown}: {large.AllocatedBytes:0} bytes allocated per submission among 1,000 against {small.AllocatedBytes:0} among 10");
        Assert.True(large.LedgerBytes <= small.LedgerBytes * 1.25,
            $"{where}, limit known {limitKnown}: {large.LedgerBytes:0} ledger bytes read and written per submission among 1,000 against {small.LedgerBytes:0} among 10");
        if (where == "file")
            Assert.InRange(new FileInfo(Path.Combine(_dir, "rate-ledger-2.txt")).Length, 1, 1024); // and the file stays small
    }

    // N submissions 1 ms apart in one fresh window (each answered before the next starts), after
    // a warm-up that fills the pools; the count is taken on this thread, where every step runs.
    private async Task<Cost> MeasureAsync(string where, bool limitKnown, int count)
    {
        string path = Path.Combine(_dir, "rate-ledger-2.txt");
        File.Delete(path);
        string account = FileRateLedger.AccountOf(s_host, "key-" + count, "minimax-hailuo-2.3-i2v");
        var file = where == "file" ? new FileRateLedger(path, account, s_window) : null;
        var pacer = new RatePacer(file ?? RateLedger.InMemory(s_window))
        {
            UtcNow = () => _now,
            Delay = (_, _) => throw new InvalidOperationException("no submission should wait"),
        };
        if (limitKnown)
            await LearnLimitAsync(pacer, 5000);

        for (int i = 0; i < 5; i++)
            await SubmitAsync(pacer);
        long readBefore = file?.BytesRead ?? 0, writtenBefore = file?.BytesWritten ?? 0;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < count; i++)
            await SubmitAsync(pacer);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        long ledger = (file?.BytesRead ?? 0) - readBefore + (file?.BytesWritten ?? 0) - writtenBefore;
        Assert.Equal(limitKnown, pacer.Limit >= 5000);
        _now += TimeSpan.FromHours(1); // the next batch starts on an empty window
        return new Cost((double)allocated / count, (double)ledger / count);
    }

    private async Task SubmitAsync(RatePacer pacer)
    {
        var turn = await pacer.WaitTurnAsync(default);
        Assert.True(turn is not null);
        turn.Counted();
        _now += TimeSpan.FromMilliseconds(1);
    }

    // A limit as a refusal teaches it: accepted submissions, then a 429.
    private async Task LearnLimitAsync(RatePacer pacer, int limit)
    {
        for (int i = 0; i < limit; i++)
            (await pacer.WaitTurnAsync(default)).Counted();
        Assert.True((await pacer.WaitTurnAsync(default)).RateLimited());
        _now += s_window + s_window / 100; // the window empties; the limit stays (until ten windows pass)
    }

    // ---- Precision: one slice, on the safe side ---------------------------------------------

    public static TheoryData<long> OffsetsInASlice()
    {
        long slice = s_window.Ticks / RateWindow.Slices;
        return new() { 0, 1, slice / 2, slice - 1 };
    }

    [Theory]
    [MemberData(nameof(OffsetsInASlice))]
    public void AnAcceptanceIsForgottenNoSoonerThanTheServerForgetsItAndAtMostOneSliceLater(long offsetTicks)
    {
        var window = new RateWindow(s_window);
        var accepted = _now.AddTicks(offsetTicks);
        window.Accept(accepted);

        window.Advance(accepted + s_window - TimeSpan.FromTicks(1));
        Assert.Equal(1, window.Accepted); // the server still counts it
        var leaves = window.NextLeavesAt()!.Value;
        Assert.InRange(leaves, accepted + s_window, accepted + s_window + TimeSpan.FromTicks(window.SliceTicks));

        window.Advance(leaves - TimeSpan.FromTicks(1));
        Assert.Equal(1, window.Accepted);
        window.Advance(leaves);
        Assert.Equal(0, window.Accepted);
    }

    [Fact]
    public void WhatARefusalTeachesNeverCountsAnAcceptanceTheServerHasForgotten()
    {
        var window = new RateWindow(s_window);
        long slice = window.SliceTicks;
        // One acceptance per tenth of a slice for two windows; at each look, the count a refusal
        // would teach is at most what the server still counts (acceptances after now - window).
        var times = new Queue<DateTime>();
        for (int i = 0; i < 2 * RateWindow.Slices * 10; i++)
        {
            var now = _now.AddTicks(i * slice / 10);
            window.Advance(now);
            window.Accept(now);
            times.Enqueue(now);
            while (now - times.Peek() >= s_window)
                times.Dequeue();
            int serverCounts = times.Count;
            Assert.InRange(window.SurelyAccepted, serverCounts - 10, serverCounts);
            Assert.InRange(window.Accepted, serverCounts, serverCounts + 10);
        }
    }

    [Fact]
    public void AClockThatJumpsByMoreThanAWindowStartsTheWindowAfresh()
    {
        var window = new RateWindow(s_window);
        window.Accept(_now);
        window.Advance(_now + s_window + s_window);
        Assert.Equal(0, window.Accepted);

        window.Accept(_now);
        window.Advance(_now - s_window - s_window); // the clock went back
        Assert.Equal(0, window.Accepted);
    }

    [Fact]
    public void FiveThousandAcceptancesInOneWindowTakeOneLineOfTheLedger()
    {
        string path = Path.Combine(_dir, "rate-ledger-2.txt");
        string account = FileRateLedger.AccountOf(s_host, "key", "minimax-hailuo-2.3-i2v");
        var ledger = new FileRateLedger(path, account, s_window);
        for (int i = 0; i < 5000; i++)
        {
            var at = _now.AddMilliseconds(i * 10); // 50 s: every slice of the window holds some
            ledger.Change(at, w => { w.Advance(at); w.Accept(at); return true; });
        }
        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length); // the header and the counts
        Assert.StartsWith("A " + account + " ", lines[1]);
        Assert.InRange(new FileInfo(path).Length, 1, 4096);
        Assert.Equal(5000, ledger.Change(_now.AddSeconds(50), w => { w.Advance(_now.AddSeconds(50)); return w.Accepted; }));
    }

    [Fact]
    public void OtherAccountsLinesAreKeptAsTheyAreAndTornOrPassedOnesDropped()
    {
        string path = Path.Combine(_dir, "rate-ledger-2.txt");
        string mine = FileRateLedger.AccountOf(s_host, "mine", "minimax-hailuo-2.3-i2v");
        string other = FileRateLedger.AccountOf(s_host, "other", "minimax-hailuo-2.3-i2v");
        long slice = s_window.Ticks / RateWindow.Slices;
        long recent = _now.Ticks - TimeSpan.FromSeconds(30).Ticks;
        long stale = _now.Ticks - TimeSpan.FromHours(2).Ticks;
        // Another account's window lasts its slice width times RateWindow.Slices after its newest
        // slice: a 60 s one whose newest count is 59 s old is kept, 61 s old dropped; so is a 2 s one.
        long shortSlice = TimeSpan.FromSeconds(2).Ticks / RateWindow.Slices;
        long shortRecent = _now.Ticks - TimeSpan.FromSeconds(1.9).Ticks;
        long shortPassed = _now.Ticks - TimeSpan.FromSeconds(2.1).Ticks;
        long lastInWindow = _now.Ticks - TimeSpan.FromSeconds(59).Ticks;
        long passed = _now.Ticks - TimeSpan.FromSeconds(61).Ticks;
        var text = new StringBuilder("HighwayHailuo rate ledger 2\n")
            .Append($"L {other} 7 {recent}\n")
            .Append($"A {other} {slice} {recent / slice} 3,0,2\n")
            .Append($"F {other} {recent} 99\n")
            .Append($"F {other} {stale} 98\n")          // a dead process's, long gone
            .Append($"A {other} {slice} {stale / slice} 5\n")
            .Append($"A {other} {slice} {lastInWindow / slice - 2} 1,0,4\n")
            .Append($"A {other} {slice} {passed / slice - 2} 1,0,4\n")
            .Append($"A {other} {shortSlice} {shortRecent / shortSlice} 2\n")
            .Append($"A {other} {shortSlice} {shortPassed / shortSlice} 2\n")
            .Append($"A {other} {slice} {recent / slice} 3,x\n") // torn
            .Append($"A {other} {slice} {recent / slice} 3,\n")  // torn
            .Append($"A {other} {slice} {recent / slice} ,3\n")  // torn
            .Append($"F {other} {recent}\n");           // torn
        File.WriteAllText(path, text.ToString());

        var ledger = new FileRateLedger(path, mine, s_window);
        ledger.Change(_now, w => { w.Advance(_now); w.Accept(_now); return true; });

        var lines = File.ReadAllLines(path);
        Assert.Equal(new[]
        {
            "HighwayHailuo rate ledger 2",
            $"L {other} 7 {recent}",
            $"A {other} {slice} {recent / slice} 3,0,2",
            $"F {other} {recent} 99",
            $"A {other} {slice} {lastInWindow / slice - 2} 1,0,4",
            $"A {other} {shortSlice} {shortRecent / shortSlice} 2",
            $"A {mine} {slice} {_now.Ticks / slice} 1",
        }, lines);
        // The other account's window is its own: none of its acceptances counts for this one.
        Assert.Equal(1, ledger.Change(_now, w => w.Accepted));
    }

    [Fact]
    public void AWindowWrittenWithOtherSlicesIsReadOnTheSafeSide()
    {
        // A process with a 2 s window (slices of 1/600 of it) and one with 60 s share an account:
        // each count is placed at its slice's last instant, so it lasts at least as long as it did.
        string path = Path.Combine(_dir, "rate-ledger-2.txt");
        string account = FileRateLedger.AccountOf(s_host, "key", "minimax-hailuo-2.3-i2v");
        var shortWindow = new FileRateLedger(path, account, TimeSpan.FromSeconds(2));
        shortWindow.Change(_now, w => { w.Advance(_now); w.Accept(_now, 4); return true; });

        var longWindow = new FileRateLedger(path, account, s_window);
        var (accepted, leaves) = longWindow.Change(_now, w => { w.Advance(_now); return (w.Accepted, w.NextLeavesAt()); });

        Assert.Equal(4, accepted);
        Assert.InRange(leaves!.Value, _now + s_window, _now + s_window + TimeSpan.FromTicks(2 * s_window.Ticks / RateWindow.Slices));
    }
}
