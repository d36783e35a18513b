// The one reorder buffer of the cmdlets: results that finish in any order come out in input order.
using HighwayHailuo.Hosting;
using Xunit;

namespace HighwayHailuo.UnitTests;

public sealed class InputOrderTests
{
    [Fact]
    public void ResultsComeOutInTheOrderTheItemsCameInWhateverOrderTheyFinish()
    {
        var order = new InputOrder<string>();
        long[] tickets = Enumerable.Range(0, 5).Select(_ => order.Take()).ToArray();
        var handedOut = new List<string>();
        void Drain() { while (order.TryNext(out var next)) handedOut.Add(next); }

        // Finished from several threads, last first.
        Parallel.ForEach(new[] { 4, 2, 3 }, i => order.Done(tickets[i], "r" + i));
        Drain();
        Assert.Empty(handedOut); // the first has not finished: nothing may pass it
        Assert.False(order.NextIsDone);

        order.Done(tickets[0], "r0");
        Assert.True(order.NextIsDone);
        Drain();
        Assert.Equal(new[] { "r0" }, handedOut); // the second is still out
        Assert.False(order.AllHandedOut);

        order.Done(tickets[1], "r1");
        Drain();
        Assert.Equal(new[] { "r0", "r1", "r2", "r3", "r4" }, handedOut);
        Assert.True(order.AllHandedOut);
    }
}
