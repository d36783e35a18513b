// Wait-HailuoTask: watches every piped task at once and writes each one the moment it succeeds.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using HighwayHailuo.Api;
using HighwayHailuo.Infrastructure;
using HighwayHailuo.Waiting;

namespace HighwayHailuo.Commands
{
    /// <summary>
    /// <para type="synopsis">Waits for Hailuo video tasks to finish and outputs each one as soon as it succeeds.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "HailuoTask", DefaultParameterSetName = TaskIdSet)]
    [OutputType(typeof(HailuoTask))]
    public sealed class WaitHailuoTaskCommand : HighwayCmdlet
    {
        private const string TaskIdSet = "TaskId";
        private const string InputObjectSet = "InputObject";
        private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(100);

        // Owned by the pipeline thread: the latest snapshot of every task still being watched.
        private readonly Dictionary<string, HailuoTask> _running = new Dictionary<string, HailuoTask>(StringComparer.Ordinal);
        private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.Ordinal);
        private CancellationTokenSource? _watching;
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
        public string[] TaskId { get; set; } = Array.Empty<string>();

        /// <summary>
        /// <para type="description">Tasks from New-HailuoVideo or Get-HailuoTask.</para>
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        public HailuoTask[] InputObject { get; set; } = Array.Empty<HailuoTask>();

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
            bool byObject = ParameterSetName == InputObjectSet;
            foreach (var input in TaskInput.From(byObject ? null : TaskId, byObject ? InputObject : null, Session))
            {
                if (input.Error != null)
                {
                    WriteError(HighwayErrors.From(input.Error, input.Target));
                    continue;
                }
                string id = input.TaskId!;
                if (_anyEnded || !_seen.Add(id))
                    continue; // -Any already has its answer, or this task is already being watched
                var known = input.Known;
                if (known != null && known.IsCompleted)
                {
                    OnEnded(known, fromWatch: false);
                    continue;
                }
                var snapshot = known ?? new HailuoTask(id) { Status = HailuoTaskStatus.Unknown, LastUpdated = DateTimeOffset.UtcNow };
                if (_timedOut)
                {
                    WriteError(TimeoutError(snapshot));
                    continue;
                }
                var client = RequireClient();
                _running[id] = snapshot;
                var token = _watching!.Token;
                _ = Task.Run(() => WatchAsync(client, id, known, token));
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
                    WriteError(TimeoutError(task));
                _running.Clear();
            }
            if (!_anyEnded)
                _progress!.Refresh(_running.Values, _succeeded, _failed);
        }

        /// <summary>Polls one task until it ends, the wait times out, or the user presses Ctrl+C.</summary>
        private async Task WatchAsync(HighwayClient client, string id, HailuoTask? known, CancellationToken cancellationToken)
        {
            var cap = TimeSpan.FromSeconds(PollInterval);
            var interval = PollSchedule.First(cap);
            // A task we hold a snapshot of was seen recently; a bare id is asked about at once.
            var delay = known == null ? TimeSpan.Zero : PollSchedule.Delay(interval, known.EtaSeconds);
            var latest = known;
            bool warned = false;
            try
            {
                while (true)
                {
                    if (delay > TimeSpan.Zero)
                        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                    ServerTaskState state;
                    try
                    {
                        state = await client.GetTaskAsync(id, cancellationToken).ConfigureAwait(false);
                    }
                    catch (HighwayApiException ex) when (ex.Retryable && !ex.IsTerminating)
                    {
                        // The reads were already retried; a longer outage must not drop a paid task.
                        if (!warned)
                            Log.Warning($"Could not check task '{id}' ({ex.Message}); still waiting.");
                        warned = true;
                        interval = PollSchedule.Grow(interval, cap);
                        delay = interval;
                        continue;
                    }
                    warned = false;
                    var snapshot = HailuoTask.FromServer(id, state, latest, DateTimeOffset.UtcNow);
                    latest = snapshot;
                    if (snapshot.IsCompleted)
                    {
                        Dispatcher.Post(() => OnEnded(snapshot, fromWatch: true));
                        return;
                    }
                    Dispatcher.Post(() => OnUpdate(snapshot));
                    interval = PollSchedule.Grow(interval, cap);
                    delay = PollSchedule.Delay(interval, snapshot.EtaSeconds);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                object target = (object?)latest ?? id;
                Dispatcher.Post(() =>
                {
                    _running.Remove(id);
                    ReportItemError(ex, target);
                });
            }
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
            Session.Remember(task);
            if (task.Status == HailuoTaskStatus.Succeeded)
            {
                _succeeded++;
                WriteObject(task);
            }
            else
            {
                _failed++;
                WriteError(TaskFailedError(task));
            }
            if (Any)
            {
                _anyEnded = true;
                _watching!.Cancel();
            }
        }

        internal static ErrorRecord TaskFailedError(HailuoTask task)
        {
            string reason = string.IsNullOrEmpty(task.Reason) ? "the server gave no reason" : task.Reason!;
            string source = task.SourceImage == null ? "" : " (image '" + task.SourceImage + "')";
            return HighwayErrors.Create(ErrorIds.HailuoTaskFailed, ErrorCategory.InvalidResult,
                $"Task '{task.TaskId}'{source} failed: {reason}.", task);
        }

        private ErrorRecord TimeoutError(HailuoTask task) =>
            HighwayErrors.Create(ErrorIds.HailuoWaitTimeout, ErrorCategory.OperationTimeout,
                string.Format(CultureInfo.InvariantCulture,
                    "Task '{0}' was still {1} after {2} s; it keeps running on the server. Wait again with: Wait-HailuoTask -TaskId {0}",
                    task.TaskId, task.Status == HailuoTaskStatus.Unknown ? "running" : task.Status.ToString(), Timeout), task);
    }
}
