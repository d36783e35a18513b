// One schedule for all the tasks Wait-HailuoTask watches: a single loop starts each task's poll
// when it is due; every poll goes through the call's request gate, so a thousand tasks never mean
// a thousand requests at once. The tasks waiting for their turn are kept in order of when they
// are due, so each turn of the loop costs the same however many tasks are watched. Results are
// handed to callbacks, which post them to the pipeline thread.
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
        // The entries not being polled right now, soonest due first.
        private readonly SortedSet<Entry> _queue = new SortedSet<Entry>(Entry.ByDue);
        private long _sequence;
        // When the loop means to look next; an entry due sooner wakes it, any other waits its turn.
        private DateTimeOffset _plannedLook = DateTimeOffset.MinValue;
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
            bool wake;
            lock (_lock)
            {
                // A task added again replaces the first watch of it.
                if (_entries.TryGetValue(taskId, out var earlier))
                {
                    earlier.Replaced = true;
                    _queue.Remove(earlier);
                }
                _entries[taskId] = entry;
                wake = Enqueue(entry, known == null ? now : now + PollSchedule.Next(entry.State, known, now, _cap));
            }
            if (wake)
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
                    _plannedLook = DateTimeOffset.MaxValue;
                    while (_queue.Count > 0)
                    {
                        var next = _queue.Min!;
                        if (next.Due > now)
                        {
                            wait = next.Due - now;
                            _plannedLook = next.Due;
                            break;
                        }
                        _queue.Remove(next);
                        due.Add(next);
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
            bool wake;
            lock (_lock)
            {
                if (entry.Replaced)
                    return;
                wake = Enqueue(entry, due);
            }
            if (wake)
                _changed.Release();
        }

        // Under the lock. The sequence number keeps entries due at the same moment apart, in the
        // order they came. True when the entry is due before the loop means to look.
        private bool Enqueue(Entry entry, DateTimeOffset due)
        {
            entry.Due = due;
            entry.Sequence = ++_sequence;
            _queue.Add(entry);
            if (due >= _plannedLook)
                return false;
            _plannedLook = due;
            return true;
        }

        // A task that ended or failed: it was being polled, so it is not in the queue, and the loop
        // has nothing new to look at.
        private void Remove(Entry entry)
        {
            lock (_lock)
            {
                if (!entry.Replaced)
                    _entries.Remove(entry.TaskId);
            }
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
            public long Sequence { get; set; }
            /// <summary>Another watch of the same task took this one's place; its poll in flight ends it.</summary>
            public bool Replaced { get; set; }
            public bool Warned { get; set; }

            public static IComparer<Entry> ByDue { get; } = Comparer<Entry>.Create((a, b) =>
            {
                int byDue = a.Due.CompareTo(b.Due);
                return byDue != 0 ? byDue : a.Sequence.CompareTo(b.Sequence);
            });
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
