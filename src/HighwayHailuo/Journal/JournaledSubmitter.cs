// The whole at-most-once protocol of one submission, so New-HailuoVideo submits with one call:
// claim the image in the journal (or take its recorded outcome), write "submitting" before a byte
// is sent, send, write "submitted" with the id before the task goes down the pipeline, and on a
// failure write whether a task may exist. Without a journal it only sends.
using System;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using HighwayHailuo.Api;
using HighwayHailuo.Costs;
using HighwayHailuo.Errors;

namespace HighwayHailuo.Journal
{
    /// <summary>What became of one submission.</summary>
    internal sealed class SubmitOutcome
    {
        private SubmitOutcome(HailuoTask? task, JournalRecord? recorded, string? unknownMessage, HailuoException? journalFailure)
        {
            Task = task;
            Recorded = recorded;
            UnknownMessage = unknownMessage;
            JournalFailure = journalFailure;
        }

        /// <summary>The task to write out: new, or the one the journal recorded; null when <see cref="UnknownMessage"/> is set.</summary>
        public HailuoTask? Task { get; }

        /// <summary>The journal's record when the task came from it rather than from a new submission.</summary>
        public JournalRecord? Recorded { get; }

        /// <summary>Set when the journal says an earlier submission may or may not have created a task: nothing was sent.</summary>
        public string? UnknownMessage { get; }

        /// <summary>A new, paid task whose "submitted" record could not be written: write the task out, then stop the call.</summary>
        public HailuoException? JournalFailure { get; }

        public static SubmitOutcome Created(HailuoTask task, HailuoException? journalFailure) => new SubmitOutcome(task, null, null, journalFailure);
        public static SubmitOutcome FromJournal(JournalRecord recorded) => new SubmitOutcome(recorded.ToTask(), recorded, null, null);
        public static SubmitOutcome Unknown(string message) => new SubmitOutcome(null, null, message, null);
    }

    internal sealed class JournaledSubmitter
    {
        /// <summary>How long to wait for another live process's outcome for the same image before giving up on it.</summary>
        public static readonly TimeSpan ClaimPatience = TimeSpan.FromMinutes(30);
        private static readonly TimeSpan s_claimRetryInterval = TimeSpan.FromMilliseconds(250);

        private readonly TaskJournal? _journal;
        private readonly bool _force;
        private readonly IClientLog? _log;
        private readonly SpendingCap? _cap;
        // Without a journal, the cap counts this call's submissions only.
        private readonly CallSpending _callSpending = new CallSpending();

        public JournaledSubmitter(TaskJournal? journal, bool force, IClientLog? log, SpendingCap? cap = null)
        {
            _journal = journal;
            _force = force;
            _log = log;
            _cap = cap;
        }

        /// <summary>
        /// Submits through <paramref name="send"/> at most once per image across every process
        /// that uses the journal. <paramref name="onCreated"/> runs the moment a new task's id is
        /// known, before anything else can fail. Throws the send's failure after recording it,
        /// and a journal failure (<see cref="ErrorIds.MeansJournalUnusable"/>) when the journal cannot be written.
        /// </summary>
        public async Task<SubmitOutcome> SubmitAsync(SubmitRequest request, Func<CancellationToken, Task<string>> send,
            Action<HailuoTask> onCreated, CancellationToken cancel)
        {
            JournalRecord? claim = null;
            bool counted = false; // counted against the cap without a journal: give it back if nothing was created
            try
            {
                if (_journal != null)
                {
                    var identity = Identify(request);
                    while (claim == null)
                    {
                        var answered = await ClaimAsync(_journal, identity, request, cancel).ConfigureAwait(false);
                        if (answered != null)
                            return answered;
                        // "submitting", durable before a byte is sent
                        ClaimAppend appended;
                        Spending spent;
                        try
                        {
                            appended = _journal.AppendClaim(identity, _cap, out spent);
                        }
                        catch
                        {
                            _journal.Release(identity); // an identical item waiting on it must not wait forever
                            throw;
                        }
                        if (appended == ClaimAppend.Written)
                        {
                            claim = identity;
                            break;
                        }
                        _journal.Release(identity);
                        if (appended == ClaimAppend.CapReached)
                            throw _cap!.Refusal(request.Describe(), request.Duration, spent, _journal.Path);
                        // Overtaken: another process recorded it after this one's claim lapsed; its record answers.
                        _log?.Verbose($"'{request.Describe()}' was recorded by another process while this one held an expired claim on it; reading its outcome.");
                    }
                }
                else if (_cap != null)
                {
                    if (!_callSpending.TryTake(_cap, request.Duration, out var spent))
                        throw _cap.Refusal(request.Describe(), request.Duration, spent, null);
                    counted = true;
                }

                var submittedAt = DateTimeOffset.UtcNow;
                string taskId = await send(cancel).ConfigureAwait(false);
                var task = TaskSnapshots.Submitted(taskId, request, submittedAt, DateTimeOffset.UtcNow);
                onCreated(task);
                try
                {
                    _journal?.Append(claim!.With(JournalState.Submitted, taskId)); // on disk before the task is written out
                    return SubmitOutcome.Created(task, null);
                }
                catch (HailuoException failure) when (ErrorIds.MeansJournalUnusable(failure.ErrorId))
                {
                    _journal!.Release(claim!);
                    return SubmitOutcome.Created(task, failure); // a paid task is written out even so
                }
            }
            catch (OperationCanceledException stopped) when (cancel.IsCancellationRequested)
            {
                // Stopped while the client was sending says whether its body went out; stopped anywhere
                // else (waiting for a turn, backing off after a refusal), no task can exist.
                bool mayExist = stopped is SubmitCancelledException sending && sending.MayHaveCreatedTask;
                if (counted && !mayExist)
                    _callSpending.GiveBack(request.Duration);
                if (claim != null)
                    RecordFailure(claim, mayExist, "stopped (Ctrl+C) " + (mayExist ? "after the request was sent, before the answer" : "before the request was sent"));
                throw;
            }
            catch (HailuoException journalFailure) when (ErrorIds.MeansJournalUnusable(journalFailure.ErrorId))
            {
                if (claim != null)
                    _journal!.Release(claim); // an identical item waiting on it must not wait forever
                throw;
            }
            catch (Exception ex)
            {
                // The client says on its errors whether the server may have acted; anything else
                // is a bug whose timing is unknown, so it counts as possibly billed.
                bool mayExist = ex is HailuoException known ? known.MayHaveCreatedTask : true;
                if (counted && !mayExist)
                    _callSpending.GiveBack(request.Duration);
                if (claim != null)
                    RecordFailure(claim, mayExist, ex.Message);
                throw;
            }
        }

        private static JournalRecord Identify(SubmitRequest request)
        {
            try
            {
                return JournalRecord.For(request, JournalState.Submitting);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new HailuoException(ErrorIds.ImageUnreadable,
                    $"An image of '{request.Describe()}' could not be read: {ex.Message}", inner: ex);
            }
        }

        /// <summary>
        /// Claims the submission in the journal. Returns null when this call may send it, or the
        /// outcome the journal already holds (a recorded task, or an unknown outcome).
        /// </summary>
        private async Task<SubmitOutcome?> ClaimAsync(TaskJournal journal, JournalRecord identity, SubmitRequest request, CancellationToken cancel)
        {
            DateTime? busySince = null;
            while (true)
            {
                var found = journal.Claim(identity, _force, out var recorded, out var inProgress);
                if (found == ClaimKind.InProgressHere)
                {
                    // The same image and parameters earlier in this run: wait for its outcome, then look again.
                    var cancelled = new TaskCompletionSource<bool>();
                    using (cancel.Register(() => cancelled.TrySetResult(true)))
                        await Task.WhenAny(inProgress!, cancelled.Task).ConfigureAwait(false);
                    cancel.ThrowIfCancellationRequested();
                    continue;
                }
                if (found == ClaimKind.BusyElsewhere)
                {
                    // Another live process is sending this very submission: never send it too, and do not
                    // call it unknown; wait for the outcome it records, then look again.
                    if (busySince == null)
                    {
                        busySince = DateTime.UtcNow;
                        var lapse = journal.Store.DeadClaimDelay;
                        _log?.Verbose($"'{request.Describe()}' is being submitted by another process that uses the journal '{journal.Path}'; waiting up to {ClaimPatience.TotalMinutes:0} min for its outcome"
                            + (lapse > TimeSpan.Zero ? $" (the claim of a process that has stopped lapses within {lapse.TotalSeconds:0} s)." : "."));
                    }
                    else if (DateTime.UtcNow - busySince > ClaimPatience)
                    {
                        throw new HailuoException(ErrorIds.JournalClaimBusy, string.Format(CultureInfo.InvariantCulture,
                            "'{0}' has been in the middle of a submission by another process that uses the journal '{1}' for over {2:0} minutes. It was not sent, so that it cannot be billed twice; run the command again once that process has finished.",
                            request.Describe(), journal.Path, ClaimPatience.TotalMinutes));
                    }
                    await Task.Delay(s_claimRetryInterval, cancel).ConfigureAwait(false);
                    continue;
                }
                if (found == ClaimKind.Claimed)
                    return null;

                if (recorded!.State == JournalState.Submitted)
                    return SubmitOutcome.FromJournal(recorded);
                return SubmitOutcome.Unknown(string.Format(CultureInfo.InvariantCulture,
                    "The journal says an earlier submission of '{0}' ({5}, {1} s, {2}) on {3:u} may or may not have created a task{4}. It was not sent again, because that could bill twice. Check the task list in your Highway account; use -Force to submit it anyway.",
                    recorded.Describe(), recorded.Duration, recorded.Resolution, recorded.Time,
                    string.IsNullOrEmpty(recorded.Error) ? " (the session ended while it was being sent)" : ": " + recorded.Error, recorded.Model));
            }
        }

        private void RecordFailure(JournalRecord claim, bool mayHaveCreatedTask, string why)
        {
            try
            {
                _journal!.Append(claim.With(mayHaveCreatedTask ? JournalState.Unknown : JournalState.NotSubmitted, error: why));
            }
            catch (HailuoException)
            {
                // The journal already holds "submitting" for it, which reads as unknown: still safe.
                _journal!.Release(claim);
            }
        }
    }
}
