// When to ask about a running task next: start near 2 s, grow toward the cap, and never later
// than the server's own estimate of when the task will be done.
using System;

namespace HighwayHailuo.Waiting
{
    internal static class PollSchedule
    {
        public static readonly TimeSpan Start = TimeSpan.FromSeconds(2);
        public static readonly TimeSpan Floor = TimeSpan.FromMilliseconds(500);
        public const double Growth = 1.5;

        /// <summary>The first interval: 2 s, or the cap when that is smaller.</summary>
        public static TimeSpan First(TimeSpan cap) => cap < Start ? cap : Start;

        /// <summary>The interval after <paramref name="previous"/>, grown and capped.</summary>
        public static TimeSpan Grow(TimeSpan previous, TimeSpan cap)
        {
            var grown = TimeSpan.FromTicks((long)(previous.Ticks * Growth));
            return grown < cap ? grown : cap;
        }

        /// <summary>The delay before the next poll: the interval, shortened to the server's ETA when that comes sooner.</summary>
        public static TimeSpan Delay(TimeSpan interval, int? etaSeconds)
        {
            if (etaSeconds is int eta && eta >= 0)
            {
                var byEta = TimeSpan.FromSeconds(eta);
                if (byEta < Floor)
                    byEta = Floor;
                if (byEta < interval)
                    return byEta;
            }
            return interval;
        }
    }
}
