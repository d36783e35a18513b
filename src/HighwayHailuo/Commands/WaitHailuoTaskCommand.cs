// Wait-HailuoTask: watches every piped task at once and writes each one the moment it succeeds.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using HighwayHailuo.Waiting;
using HighwayHailuo.Errors;
using HighwayHailuo.Hosting;
using HighwayHailuo.Api;

namespace HighwayHailuo.Commands
{
    /// <summary>
    /// <para type="synopsis">Waits for Hailuo video tasks to finish and outputs each one as soon as it succeeds.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "HailuoTask", DefaultParameterSetName = TaskIdSet)]
    [OutputType(typeof(HailuoTask))]
    public sealed class WaitHailuoTaskCommand : TaskCmdlet, IPollListener
    {
        private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(100);

        // Owned by the pipeline thread: the latest snapshot of every task still being watched.
        private readonly Dictionary<string, HailuoTask> _running = new Dictionary<string, HailuoTask>(StringComparer.Ordinal);
        private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.Ordinal);
        private CancellationTokenSource? _watching;
        private PollScheduler? _scheduler;
        private WaitProgress? _progress;
        private DateTimeOffset _deadline;
        private bool _timedOut;
        private bool _anyEnded;
        private int _succeeded;
        private int _failed;

        /// <summary>
        /// <para type="description">The ids of the tasks to wait for.</para>
        /// </summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = TaskIdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "task_id")]
        [ArgumentCompleter(typeof(TaskIdCompleter))]
        public string[] TaskId { get; set; } = Array.Empty<string>();

        private protected override string[] TaskIds => TaskId;

        /// <summary>
        /// <para type="description">Seconds to wait, counted from the start of the call (default 1800). -1 waits forever. Tasks still running then give HailuoWaitTimeout errors.</para>
        /// </summary>
        [Parameter]
        [ValidateRange(-1, int.MaxValue)]
        public int Timeout { get; set; } = 1800;

        /// <summary>
        /// <para type="description">Returns as soon as the first task ends, succeeded or failed.</para>
        /// </summary>
        [Parameter]
        public SwitchParameter Any { get; set; }

        /// <summary>
        /// <para type="description">The longest pause, in seconds, between two checks of one task (default 10). Checks start about 2 s apart and grow toward this cap, sooner when the server's ETA says so.</para>
        /// </summary>
        [Parameter]
        [ValidateRange(0.05, 3600.0)]
        public double PollInterval { get; set; } = 10;

        private protected override void Begin()
        {
            _deadline = Timeout < 0 ? DateTimeOffset.MaxValue : DateTimeOffset.UtcNow.AddSeconds(Timeout);
            _watching = CancellationTokenSource.CreateLinkedTokenSource(CancelToken);
            _progress = new WaitProgress(WriteProgress);
        }

        private protected override void Process()
        {
            foreach (var input in NamedTasks())
            {
                string id = input.TaskId!;
                if (_anyEnded || !_seen.Add(id))
                    continue; // -Any already has its answer, or this task is already being watched
                var known = input.Known;
                if (known != null && known.IsCompleted)
                {
                    OnEnded(known, fromWatch: false);
                    continue;
                }
                var snapshot = known ?? TaskSnapshots.Unseen(id, DateTimeOffset.UtcNow);
                if (_timedOut)
                {
                    Report(TimeoutError(snapshot));
                    continue;
                }
                _running[id] = snapshot;
                Scheduler().Add(id, known);
            }
            Pump();
        }

        private protected override void End()
        {
            try
            {
                Dispatcher.RunUntil(() => _running.Count == 0 || _anyEnded || _timedOut, s_tick, Tick);
            }
            finally
            {
                _watching?.Cancel();
            }
            _progress!.Complete();
        }

        /// <summary>The one poll schedule of this call, started with the first task that needs polling.</summary>
        private PollScheduler Scheduler()
        {
            if (_scheduler != null)
                return _scheduler;
            _scheduler = new PollScheduler(RequireClient(), TimeSpan.FromSeconds(PollInterval), this);
            var token = _watching!.Token;
            var scheduler = _scheduler;
            Background.Run(() => scheduler.RunAsync(token)).ContinueWith(t =>
            {
                if (t.IsFaulted)
                    Dispatcher.Post(() => Report(t.Exception!.GetBaseException(), null)); // not an item's work: reported on the pipeline thread
            }, TaskScheduler.Default);
            return _scheduler;
        }

        void IPollListener.OnUpdated(HailuoTask snapshot) => Dispatcher.Post(() => OnUpdate(snapshot));

        void IPollListener.OnEnded(HailuoTask snapshot) => Dispatcher.Post(() => OnEnded(snapshot, fromWatch: true));

        void IPollListener.OnFailed(string taskId, Exception error, object target) => Dispatcher.Post(() =>
        {
            _running.Remove(taskId);
            Report(error, target);
        });

        void IPollListener.OnWarning(string message) => Log.Warning(message);

        private void Pump()
        {
            Dispatcher.RunPending();
            Tick();
        }

        private void Tick()
        {
            if (!_timedOut && _running.Count > 0 && DateTimeOffset.UtcNow >= _deadline)
            {
                _timedOut = true;
                _watching!.Cancel();
                foreach (var task in _running.Values.ToList())
                    Report(TimeoutError(task));
                _running.Clear();
            }
            if (!_anyEnded)
                _progress!.Refresh(_running.Values, _succeeded, _failed);
        }

        private void OnUpdate(HailuoTask snapshot)
        {
            if (_running.ContainsKey(snapshot.TaskId))
                _running[snapshot.TaskId] = snapshot;
        }

        private void OnEnded(HailuoTask task, bool fromWatch)
        {
            // A watch that ends after the timeout (or after -Any had its answer) was already reported.
            if (_anyEnded || (fromWatch && !_running.Remove(task.TaskId)))
                return;
            Session.Remember(task, Account);
            if (task.Status == HailuoTaskStatus.Succeeded)
            {
                _succeeded++;
                WriteObject(Priced(task));
            }
            else
            {
                _failed++;
                Report(HailuoErrors.TaskFailed(task.TaskId, task.SourceImage, task.Reason, task));
            }
            if (Any)
            {
                _anyEnded = true;
                _watching!.Cancel();
            }
        }

        private ErrorRecord TimeoutError(HailuoTask task) =>
            HailuoErrors.Record(ErrorIds.HailuoWaitTimeout,
                string.Format(CultureInfo.InvariantCulture,
                    "Task '{0}' was still {1} after {2} s; it keeps running on the server. Wait again with: Wait-HailuoTask -TaskId {0}",
                    task.TaskId, task.Status == HailuoTaskStatus.Unknown ? "running" : task.Status.ToString(), Timeout), task);
    }
}
