// One progress bar for a call's transfers, as Invoke-WebRequest shows one for its download: items
// ended of items started, and the bytes moved so far. Counted from any thread; written on the
// pipeline thread at most every 200 ms (a flood of records slows the host down), and completed when
// the call ends. Whether the host shows it is the host's and $ProgressPreference's business.
using System;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Threading;

namespace HighwayHailuo.Hosting
{
    internal sealed class TransferProgress
    {
        // Apart from Wait-HailuoTask's bars (1 for the batch, 2 and up for its tasks), so a pipeline's
        // records never share an id, even where a host or a script groups them by id alone.
        public const int SubmittingActivityId = 0x4848_0001;
        public const int SavingActivityId = 0x4848_0002;
        private static readonly long s_interval = Stopwatch.Frequency / 5;

        private readonly int _activityId;
        private readonly PipelineDispatcher _dispatcher;
        private readonly Action<ProgressRecord> _write;
        private readonly string _activity;
        private readonly string _endedVerb;
        private readonly string _bytesVerb;
        private long _bytes;
        private int _started;
        private int _ended;
        private long _lastPost = -s_interval;
        private bool _shown;

        /// <param name="activityId">SubmittingActivityId or SavingActivityId.</param>
        /// <param name="dispatcher">The call's pipeline-thread dispatcher.</param>
        /// <param name="write">The cmdlet's WriteProgress.</param>
        /// <param name="activity">"Saving Hailuo videos"</param>
        /// <param name="endedVerb">"saved": what an ended item is called</param>
        /// <param name="bytesVerb">"received": what happened to the bytes</param>
        public TransferProgress(int activityId, PipelineDispatcher dispatcher, Action<ProgressRecord> write, string activity, string endedVerb, string bytesVerb)
        {
            _activityId = activityId;
            _dispatcher = dispatcher;
            _write = write;
            _activity = activity;
            _endedVerb = endedVerb;
            _bytesVerb = bytesVerb;
        }

        public void Started()
        {
            Interlocked.Increment(ref _started);
            Nudge();
        }

        public void Moved(long bytes)
        {
            Interlocked.Add(ref _bytes, bytes);
            Nudge();
        }

        public void Ended()
        {
            Interlocked.Increment(ref _ended);
            Nudge();
        }

        /// <summary>The bar's Completed record, if it was shown. Pipeline thread only.</summary>
        public void Complete()
        {
            if (_shown)
                _write(new ProgressRecord(_activityId, _activity, "Done") { RecordType = ProgressRecordType.Completed });
            _shown = false;
        }

        // At most one post per interval: the first caller past it wins, the others skip.
        private void Nudge()
        {
            long now = Stopwatch.GetTimestamp();
            long last = Interlocked.Read(ref _lastPost);
            if (now - last < s_interval || Interlocked.CompareExchange(ref _lastPost, now, last) != last)
                return;
            _dispatcher.Post(Write);
        }

        private void Write()
        {
            int started = Volatile.Read(ref _started), ended = Volatile.Read(ref _ended);
            string status = string.Format(CultureInfo.CurrentCulture, "{0} of {1} {2}, {3:0.0} MB {4}",
                ended, started, _endedVerb, Interlocked.Read(ref _bytes) / (1024.0 * 1024.0), _bytesVerb);
            _write(new ProgressRecord(_activityId, _activity, status) { PercentComplete = started == 0 ? 0 : Math.Min(100, ended * 100 / started) });
            _shown = true;
        }
    }
}
