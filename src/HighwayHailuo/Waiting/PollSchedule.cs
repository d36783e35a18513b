// When to ask about a running task next. The interval starts near 2 s and grows toward the cap
// with the task's age; when the server's ETA (or, without one, the task's progress rate) says the
// task will end sooner, the next poll aims just after that end. An aim that misses backs off, so a
// wrong ETA cannot turn into a poll every half second.
using System;

namespace HighwayHailuo.Waiting
{
    /// <summary>What the schedule remembers about one task between polls.</summary>
    internal sealed class PollState
    {
        public TimeSpan Interval { get; set; }
        public int Misses { get; set; }
        public bool AimedAtEnd { get; set; }
        public DateTimeOffset? ProgressAt { get; set; }
        public int ProgressPercent { get; set; }
    }

    internal static class PollSchedule
    {
        public static readonly TimeSpan Start = TimeSpan.FromSeconds(2);
        public static readonly TimeSpan Floor = TimeSpan.FromMilliseconds(500);
        // Poll this long after the expected end, so the answer is "done" rather than "99%".
        public static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(250);
        public const double Growth = 1.5;

        /// <summary>The first interval: 2 s, or the cap when that is smaller.</summary>
        public static TimeSpan First(TimeSpan cap) => cap < Start ? cap : Start;

        /// <summary>The interval after <paramref name="previous"/>, grown and capped.</summary>
        public static TimeSpan Grow(TimeSpan previous, TimeSpan cap)
        {
            var grown = TimeSpan.FromTicks((long)(previous.Ticks * Growth));
            return grown < cap ? grown : cap;
        }

        /// <summary>The delay after a poll that failed even after its retries: the interval keeps growing toward the cap.</summary>
        public static TimeSpan AfterFailure(PollState state, TimeSpan cap)
        {
            state.Interval = state.Interval == TimeSpan.Zero ? First(cap) : Grow(state.Interval, cap);
            state.AimedAtEnd = false;
            return state.Interval;
        }

        /// <summary>
        /// Plans the delay before the next poll of a task that is still running, given what the
        /// latest answer said, and updates <paramref name="state"/>.
        /// </summary>
        public static TimeSpan Next(PollState state, HailuoTask snapshot, DateTimeOffset now, TimeSpan cap)
        {
            state.Interval = state.Interval == TimeSpan.Zero ? First(cap) : Grow(state.Interval, cap);
            state.Misses = state.AimedAtEnd ? state.Misses + 1 : 0;

            TimeSpan? expectedEnd = null;
            if (snapshot.EtaSeconds is int eta && eta >= 0)
            {
                expectedEnd = TimeSpan.FromSeconds(eta);
            }
            else if (snapshot.ProgressPercent is int percent && percent > 0 && percent < 100
                && state.ProgressAt is DateTimeOffset then && percent > state.ProgressPercent && now > then)
            {
                double perSecond = (percent - state.ProgressPercent) / (now - then).TotalSeconds;
                expectedEnd = TimeSpan.FromSeconds((100 - percent) / perSecond);
            }
            if (snapshot.ProgressPercent is int p && (state.ProgressAt == null || p != state.ProgressPercent))
            {
                state.ProgressAt = now;
                state.ProgressPercent = p;
            }

            var delay = state.Interval;
            state.AimedAtEnd = false;
            if (expectedEnd is TimeSpan end && end + Margin < delay)
            {
                var backoff = TimeSpan.FromTicks(Floor.Ticks << Math.Min(state.Misses, 10));
                var aim = end + Margin;
                delay = aim > backoff ? aim : backoff < delay ? backoff : delay;
                state.AimedAtEnd = true;
            }
            return delay;
        }
    }
}
