// A cmdlet's background work is counted until it ends, so the cmdlet can end only after it.
using HighwayHailuo.Hosting;
using Xunit;

namespace HighwayHailuo.UnitTests;

public sealed class BackgroundWorkTests
{
    [Fact]
    public async Task WaitAllReturnsOnlyOnceEveryPieceHasEndedHoweverItEnded()
    {
        var work = new BackgroundWork();
        var release = new TaskCompletionSource();
        var ok = work.Run(() => release.Task);
        var failing = work.Run(async () => { await release.Task; throw new InvalidOperationException("boom"); });

        Assert.False(work.WaitAll(TimeSpan.FromMilliseconds(50))); // still running
        Assert.Equal(2, work.Running);
        release.SetResult();

        Assert.True(work.WaitAll(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, work.Running);
        await ok;
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
    }
}
