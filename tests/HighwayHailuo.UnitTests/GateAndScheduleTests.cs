// The request gate (limit, AIMD, Retry-After pause) and the poll schedule, without timing assertions.
using HighwayHailuo.Api;
using HighwayHailuo.Waiting;
using Xunit;
using HighwayHailuo.FlowControl;

namespace HighwayHailuo.UnitTests;

public sealed class GateAndScheduleTests
{
    [Fact]
    public async Task TheGateNeverAdmitsMoreThanItsLimit()
    {
        var gate = new RequestGate(3);
        var held = new List<IDisposable>();
        for (int i = 0; i < 3; i++)
            held.Add(await gate.EnterAsync(default));
        var fourth = gate.EnterAsync(default);

        Assert.False(fourth.IsCompleted);
        held[0].Dispose();
        held.Add(await fourth);
        Assert.Equal(3, gate.PeakInFlight);
    }

    [Fact]
    public async Task RateLimitingHalvesTheLimitOncePerBurstAndSuccessesWinItBack()
    {
        var gate = new RequestGate(8);
        gate.OnRateLimited();
        gate.OnRateLimited(); // the same burst: no second halving
        Assert.Equal(4, gate.CurrentLimit);

        for (int i = 0; i < 4; i++)
            gate.OnSuccess();
        Assert.Equal(5, gate.CurrentLimit); // +1 after a full window of successes
        for (int i = 0; i < 5 + 6 + 7; i++)
            gate.OnSuccess();
        Assert.Equal(8, gate.CurrentLimit);
        gate.OnSuccess();
        Assert.Equal(8, gate.CurrentLimit); // never above the caller's limit

        // With the limit lowered, a waiter is admitted only when in-flight drops below it.
        var low = new RequestGate(2);
        low.OnRateLimited();
        var first = await low.EnterAsync(default);
        var second = low.EnterAsync(default);
        Assert.False(second.IsCompleted);
        first.Dispose();
        (await second).Dispose();
        await Task.CompletedTask;
    }

    [Fact]
    public async Task APauseHoldsEveryWorker()
    {
        var gate = new RequestGate(1);
        var held = System.Threading.Channels.Channel.CreateUnbounded<TimeSpan>();
        // Where a worker waits out the pause: recorded, and held until cancelled.
        gate.Delay = (wait, ct) => { held.Writer.TryWrite(wait); return Task.Delay(Timeout.Infinite, ct); };
        gate.PauseUntil(DateTimeOffset.UtcNow.AddSeconds(30));

        using var cancel = new CancellationTokenSource();
        var entering = gate.EnterAsync(cancel.Token);
        var wait = await held.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.InRange(wait, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30)); // held by the pause, for its length
        Assert.False(entering.IsCompleted);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => entering);

        // The cancelled worker gave its one slot back: the next one gets past the slot to the pause.
        using var again = new CancellationTokenSource();
        var next = gate.EnterAsync(again.Token);
        await held.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        again.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
    }

    [Fact]
    public async Task ACancelledWaiterLeavesTheQueue()
    {
        var gate = new RequestGate(1);
        var holder = await gate.EnterAsync(default);
        using var cancel = new CancellationTokenSource();
        var waiting = gate.EnterAsync(cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        holder.Dispose();
        using var next = await gate.EnterAsync(default); // the slot was not lost to the cancelled waiter
        Assert.Equal(1, gate.PeakInFlight);
    }

    private static HailuoTask Running(int? progress, int? eta) =>
        TaskSnapshots.FromServer("t", new ServerTaskState { Status = HailuoTaskStatus.Processing, ProgressPercent = progress, EtaSeconds = eta }, null, DateTimeOffset.UtcNow);

    [Fact]
    public void WithoutHintsTheIntervalStartsNearTwoSecondsAndGrowsToTheCap()
    {
        var state = new PollState();
        var cap = TimeSpan.FromSeconds(10);
        var now = DateTimeOffset.UtcNow;
        var delays = Enumerable.Range(0, 8).Select(_ => PollSchedule.Next(state, Running(null, null), now, cap).TotalSeconds).ToList();
        Assert.Equal(2, delays[0]);
        Assert.Equal(delays.OrderBy(d => d), delays);
        Assert.Equal(10, delays[^1]);
        Assert.Equal(0.2, PollSchedule.Next(new PollState(), Running(null, null), now, TimeSpan.FromMilliseconds(200)).TotalSeconds, 3);
    }

    [Fact]
    public void TheEtaBringsTheNextPollForwardToJustAfterTheEnd()
    {
        var state = new PollState { Interval = TimeSpan.FromSeconds(10) };
        var delay = PollSchedule.Next(state, Running(50, 3), DateTimeOffset.UtcNow, TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromSeconds(3) + PollSchedule.Margin, delay);

        var far = PollSchedule.Next(new PollState { Interval = TimeSpan.FromSeconds(10) }, Running(5, 300), DateTimeOffset.UtcNow, TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromSeconds(10), far); // never later than the cap
    }

    [Fact]
    public void AnEtaThatKeepsMissingBacksOff()
    {
        var state = new PollState { Interval = TimeSpan.FromSeconds(10) };
        var now = DateTimeOffset.UtcNow;
        // The server keeps saying "0 s left" while the task runs on: 0.5 s, then doubling, never past the cap.
        var delays = Enumerable.Range(0, 7).Select(_ => PollSchedule.Next(state, Running(99, 0), now, TimeSpan.FromSeconds(10)).TotalSeconds).ToList();
        Assert.Equal(new[] { 0.5, 1, 2, 4, 8, 10, 10 }, delays);
    }

    [Fact]
    public void RepeatedFailuresBackOffTowardTheCap()
    {
        var state = new PollState();
        var delays = Enumerable.Range(0, 6).Select(_ => PollSchedule.AfterFailure(state, TimeSpan.FromSeconds(10)).TotalSeconds).ToList();
        Assert.Equal(new[] { 2, 3, 4.5, 6.75, 10, 10 }, delays);
    }

    [Fact]
    public void WithoutAnEtaTheProgressRateEstimatesTheEnd()
    {
        var state = new PollState { Interval = TimeSpan.FromSeconds(8) };
        var t0 = DateTimeOffset.UtcNow;
        PollSchedule.Next(state, Running(40, null), t0, TimeSpan.FromSeconds(10));
        // 40% -> 80% in 4 s: 10% a second, 2 s left.
        var delay = PollSchedule.Next(state, Running(80, null), t0.AddSeconds(4), TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromSeconds(2) + PollSchedule.Margin, delay);
    }
}
