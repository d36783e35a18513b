// A hard limit on what a run may submit (New-HailuoVideo -MaxVideos, -MaxVideoSeconds). It counts
// every submission that may have been billed: sent and answered with a task, sent with no answer,
// or begun by a process that died before it recorded an outcome. Only a submission the server
// provably did not act on gives its share back. With a journal the count is the journal's own, read
// and raised under its append lock, so overlapping runs share one exact count.
using System;
using System.Globalization;
using System.Linq;
using HighwayHailuo.Errors;

namespace HighwayHailuo.Costs
{
    /// <summary>Videos and seconds of video that may have been billed.</summary>
    internal readonly struct Spending
    {
        public Spending(long videos, long seconds)
        {
            Videos = videos;
            Seconds = seconds;
        }

        public long Videos { get; }
        public long Seconds { get; }

        public Spending Plus(int seconds) => new Spending(Videos + 1, Seconds + seconds);
        public Spending Minus(int seconds) => new Spending(Videos - 1, Seconds - seconds);
    }

    internal sealed class SpendingCap
    {
        public SpendingCap(int? maxVideos, int? maxSeconds)
        {
            MaxVideos = maxVideos;
            MaxSeconds = maxSeconds;
        }

        public int? MaxVideos { get; }
        public int? MaxSeconds { get; }

        /// <summary>Null when neither limit was given.</summary>
        public static SpendingCap? Of(int? maxVideos, int? maxSeconds) =>
            maxVideos == null && maxSeconds == null ? null : new SpendingCap(maxVideos, maxSeconds);

        /// <summary>Whether one more video of this length stays within both limits.</summary>
        public bool Allows(Spending spent, int seconds) =>
            (MaxVideos == null || spent.Videos + 1 <= MaxVideos) && (MaxSeconds == null || spent.Seconds + seconds <= MaxSeconds);

        /// <summary>"-MaxVideos 10 and -MaxVideoSeconds 60", as the user typed it.</summary>
        public string Describe() => string.Join(" and ", new[]
        {
            MaxVideos == null ? null : "-MaxVideos " + MaxVideos.Value.ToString(CultureInfo.InvariantCulture),
            MaxSeconds == null ? null : "-MaxVideoSeconds " + MaxSeconds.Value.ToString(CultureInfo.InvariantCulture),
        }.Where(s => s != null));

        /// <summary>The refusal of one item: what the cap is, what is already counted against it, and where.</summary>
        public HailuoException Refusal(string item, int seconds, Spending spent, string? journal) =>
            new HailuoException(ErrorIds.SpendingCapReached, string.Format(CultureInfo.InvariantCulture,
                "'{0}' ({1} s) was not sent: it would pass the spending cap ({2}). {3} {4} video{5}, {6} s of video, may already have been billed. Raise the cap to send more.",
                item, seconds, Describe(),
                journal == null ? "In this call," : "In the journal '" + journal + "' (every run that used it),",
                spent.Videos, spent.Videos == 1 ? "" : "s", spent.Seconds));
    }

    /// <summary>
    /// The count of one call without a journal: taken before a submission is sent, given back when
    /// it provably created no task. Thread-safe: submissions run several at a time.
    /// </summary>
    internal sealed class CallSpending
    {
        private readonly object _lock = new object();
        private Spending _spent;

        public Spending Spent { get { lock (_lock) return _spent; } }

        /// <summary>Counts one video if the cap allows it; false (and nothing counted) when it does not.</summary>
        public bool TryTake(SpendingCap cap, int seconds, out Spending before)
        {
            lock (_lock)
            {
                before = _spent;
                if (!cap.Allows(_spent, seconds))
                    return false;
                _spent = _spent.Plus(seconds);
                return true;
            }
        }

        /// <summary>Gives back a video that was never created.</summary>
        public void GiveBack(int seconds)
        {
            lock (_lock)
                _spent = _spent.Minus(seconds);
        }
    }
}
