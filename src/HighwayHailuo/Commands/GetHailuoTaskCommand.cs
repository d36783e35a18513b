// Get-HailuoTask: the current state of tasks, asked of task-result (several at a time, output in input order).
// With no task named, the tasks this session has submitted or seen, like Get-Job.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using HighwayHailuo.Journal;
using HighwayHailuo.Errors;
using HighwayHailuo.Hosting;
using HighwayHailuo.Api;

namespace HighwayHailuo.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets the current state of Hailuo video tasks.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "HailuoTask", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(HailuoTask))]
    public sealed class GetHailuoTaskCommand : TaskCmdlet
    {
        private const string SessionSet = "Session";
        private const string JournalSet = "Journal";

        private ItemRunner? _runner;
        // Results may finish in any order; they are written in the order the tasks arrived.
        private readonly InputOrder<Action> _order = new InputOrder<Action>();

        /// <summary>
        /// <para type="description">The ids of the tasks to get.</para>
        /// </summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = TaskIdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "task_id")]
        [ArgumentCompleter(typeof(TaskIdCompleter))]
        public string[] TaskId { get; set; } = Array.Empty<string>();

        private protected override string[] TaskIds => TaskId;

        /// <summary>
        /// <para type="description">A journal written by New-HailuoVideo -Journal (a file, or a blob URL with a SAS that grants read): gets every task recorded in it, in the order they were submitted. Submissions whose outcome is unknown are reported as warnings.</para>
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = JournalSet)]
        [ValidateNotNullOrEmpty]
        public string? Journal { get; set; }

        /// <summary>
        /// <para type="description">Writes only the tasks whose fresh state is one of these (for example Failed, or Queued and Processing). Errors are written whatever the filter.</para>
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public HailuoTaskStatus[]? Status { get; set; }

        private protected override void Begin() => _runner = new ItemRunner(Dispatcher, Background, RequestLimit);

        private protected override void Process()
        {
            if (ParameterSetName == JournalSet)
            {
                Fetch(FromJournal(Journal!));
                return;
            }
            if (ParameterSetName == SessionSet)
            {
                // No task named: every task this session has submitted or seen through this connection,
                // in the order it first saw them. Another connection's tasks are not this server's to answer.
                var known = Session.KnownTasks;
                if (known.Count == 0)
                    WriteVerbose("This session has not submitted or seen any task yet; name tasks with -TaskId or -Journal.");
                if (known.Count > 0)
                    RequireClient(); // no key: one ApiKeyMissing, as for any task named
                var mine = known.Where(t => Session.AccountOf(t.TaskId) is not string other || other == Account).ToArray();
                if (mine.Length < known.Count)
                    WriteWarning($"{known.Count - mine.Length} task(s) this session made through another connection (another API key or host) were left out; Connect-Highway with that one to list them, or name them with -TaskId.");
                Fetch(TaskInput.From(null, mine, Session));
                return;
            }
            Fetch(NamedInputs()); // their errors are written in input order, with the tasks
        }

        /// <summary>The tasks a journal recorded, each once; unknown outcomes become warnings.</summary>
        private IEnumerable<TaskInput> FromJournal(string path)
        {
            TaskJournal journal;
            try
            {
                journal = TaskJournal.Open(JournalStores.For(path, SessionState.Path.GetUnresolvedProviderPathFromPSPath, writes: false, out _), create: false);
            }
            catch (HailuoException ex)
            {
                throw EndCall(ex, JournalStores.Shown(path));
            }
            if (journal.Warning != null)
                WriteWarning(journal.Warning);

            var records = journal.Records;
            var finalState = new Dictionary<string, JournalRecord>(StringComparer.Ordinal);
            foreach (var record in records)
                finalState[record.Identity] = record;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var record in records)
            {
                if (record.State == JournalState.Submitted && seen.Add(record.TaskId!))
                    yield return TaskInput.FromJournal(record.ToTask(), Session);
            }
            if (seen.Count == 0 && finalState.Values.All(r => r.State == JournalState.NotSubmitted))
                WriteWarning($"The journal '{journal.Path}' holds no task: each of its {finalState.Count} submission(s) was refused or never sent, so nothing was billed.");
            foreach (var record in finalState.Values)
            {
                if (record.State == JournalState.Unknown || record.State == JournalState.Submitting)
                    WriteWarning($"The submission of '{record.Describe()}' ({record.Model}) on {record.Time:u} has an unknown outcome: it may or may not have created a task. Check the task list in your Highway account.");
            }
        }

        private void Fetch(IEnumerable<TaskInput> inputs)
        {
            foreach (var input in inputs)
            {
                long sequence = _order.Take();
                if (input.Error != null)
                {
                    Finish(sequence, () => Report(input.Error, input.Target));
                    continue;
                }
                var client = RequireClient();
                _runner!.Start(() => FetchAsync(client, input, sequence));
            }
            _runner!.Flush();
        }

        private protected override void End() => _runner?.WaitAll();

        private async Task FetchAsync(Api.HighwayClient client, TaskInput input, long sequence)
        {
            try
            {
                var state = await client.GetTaskAsync(input.TaskId!, CancelToken).ConfigureAwait(false);
                var task = TaskSnapshots.FromServer(input.TaskId!, state, input.Known, DateTimeOffset.UtcNow);
                Session.Remember(task, Account);
                Dispatcher.Post(() => Finish(sequence, () =>
                {
                    if (Status == null || Status.Contains(task.Status))
                        WriteObject(Priced(task));
                }));
            }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
            }
            catch (HailuoException ex) when (!ex.IsTerminating)
            {
                Dispatcher.Post(() => Finish(sequence, () => Report(ex, input.Target)));
            }
            catch (Exception ex)
            {
                Dispatcher.Post(() => Finish(sequence, () => { }));
                Report(ex, input.Target);
            }
        }

        /// <summary>Records a finished item and writes every item whose predecessors have all been written.</summary>
        private void Finish(long sequence, Action write)
        {
            _order.Done(sequence, write);
            while (_order.TryNext(out var next))
                next();
        }
    }
}
