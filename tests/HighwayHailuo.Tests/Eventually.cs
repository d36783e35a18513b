// Waiting for something another thread or process does, with a bound so a broken test fails
// instead of hanging. Not a timing assertion: the bound is far above any normal wait.
using System.Diagnostics;

namespace HighwayHailuo.Tests;

internal static class Eventually
{
    public static void WaitFor(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
                throw new TimeoutException("Timed out waiting for " + what);
            Thread.Sleep(20);
        }
    }
}
