// One schedule for all the tasks Wait-HailuoTask watches: a single loop starts each task's poll
// when it is due; every poll goes through the call's request gate, so a thousand tasks never mean
// a thousand requests at once. Results are handed to callbacks, which post them to the pipeline thread.
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using HighwayHailuo.Api;
using HighwayHailuo.Errors;

namespace HighwayHailuo.Waiting
{
    internal sealed class PollScheduler
    {
        private readonly HighwayClient _client;
        private readonly TimeSpan _cap;
        private readonly IPollListener _listener;
        private readonly object _lock = new object();
        private readonly Dictionary<string, Entry> _entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        private readonly SemaphoreSlim _changed = new SemaphoreSlim(0);

        public PollScheduler(HighwayClient client, TimeSpan cap, IPollListener listener)
        {
            _client = client;
            _cap = cap;
            _listener = listener;
        }

        /// <summary>Starts watching a task: a known snapshot is polled after the first interval, a bare id at once.</summary>
        public void Add(string taskId, HailuoTask? known)
        {
            var now = DateTimeOffset.UtcNow;
            var entry = new Entry(taskId, known);
            entry.Due = known == null ? now : now + PollSchedule.Next(entry.State, known, now, _cap);
            lock (_lock)
                _entries[taskId] = entry;
            _changed.Release();
        }

        /// <summary>The schedule's loop; runs until the token is cancelled.</summary>
        public async Task RunAsync(CancellationToken cancellationToken)
        {
            var due = new List<Entry>();
            while (true)
            {
                TimeSpan wait = Timeout.InfiniteTimeSpan;
                lock (_lock)
                {
                    var now = DateTimeOffset.UtcNow;
                    foreach (var entry in _entries.Values)
                    {
                        if (entry.Polling)
                            continue;
                        if (entry.Due <= now)
                        {
                            entry.Polling = true;
                            due.Add(entry);
                        }
                        else if (wait == Timeout.InfiniteTimeSpan || entry.Due - now < wait)
                        {
                            wait = entry.Due - now;
                        }
                    }
                }
                foreach (var entry in due)
                    _ = PollAsync(entry, cancellationToken);
                due.Clear();
                await _changed.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task PollAsync(Entry entry, CancellationToken cancellationToken)
        {
            ServerTaskState state;
            try
            {
                state = await _client.GetTaskAsync(entry.TaskId, cancellationToken, patient: true).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HailuoException ex) when ((ex.Retryable || ex.ErrorId == ErrorIds.HailuoServiceUnreachable) && !ex.IsTerminating)
            {
                // The read was already retried; a longer outage (a network that drops, a name that
                // stops resolving while the Wi-Fi reconnects) must not drop a paid task.
                if (!entry.Warned)
                    _listener.OnWarning($"Could not check task '{entry.TaskId}' ({ex.Message}); still waiting.");
                entry.Warned = true;
                Reschedule(entry, DateTimeOffset.UtcNow + PollSchedule.AfterFailure(entry.State, _cap));
                return;
            }
            catch (Exception ex)
            {
                Remove(entry);
                _listener.OnFailed(entry.TaskId, ex, (object?)entry.Latest ?? entry.TaskId);
                return;
            }

            var now = DateTimeOffset.UtcNow;
            entry.Warned = false;
            var snapshot = TaskSnapshots.FromServer(entry.TaskId, state, entry.Latest, now);
            entry.Latest = snapshot;
            if (snapshot.IsCompleted)
            {
                Remove(entry);
                _listener.OnEnded(snapshot);
                return;
            }
            _listener.OnUpdated(snapshot);
            Reschedule(entry, now + PollSchedule.Next(entry.State, snapshot, now, _cap));
        }

        private void Reschedule(Entry entry, DateTimeOffset due)
        {
            lock (_lock)
            {
                entry.Due = due;
                entry.Polling = false;
            }
            _changed.Release();
        }

        private void Remove(Entry entry)
        {
            lock (_lock)
                _entries.Remove(entry.TaskId);
            _changed.Release();
        }

        private sealed class Entry
        {
            public Entry(string taskId, HailuoTask? latest)
            {
                TaskId = taskId;
                Latest = latest;
            }

            public string TaskId { get; }
            public HailuoTask? Latest { get; set; }
            public PollState State { get; } = new PollState();
            public DateTimeOffset Due { get; set; }
            public bool Polling { get; set; }
            public bool Warned { get; set; }
        }
    }

    /// <summary>Where the schedule reports; called from background threads.</summary>
    internal interface IPollListener
    {
        void OnUpdated(HailuoTask snapshot);
        void OnEnded(HailuoTask snapshot);
        void OnFailed(string taskId, Exception error, object target);
        void OnWarning(string message);
    }
}
