// Save-HailuoVideo: downloads finished videos into a folder, several at a time, never leaving a
// partial file under the final name.
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using HighwayHailuo.Api;
using HighwayHailuo.Saving;
using HighwayHailuo.Errors;
using HighwayHailuo.Hosting;

namespace HighwayHailuo.Commands
{
    /// <summary>
    /// <para type="synopsis">Downloads the videos of finished Hailuo tasks.</para>
    /// </summary>
    [Cmdlet(VerbsData.Save, "HailuoVideo", DefaultParameterSetName = InputObjectSet,
        SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(FileInfo))]
    public sealed class SaveHailuoVideoCommand : TaskCmdlet
    {
        // A link this close to expiry is renewed first rather than failing halfway through a download.
        private static readonly TimeSpan s_expiryMargin = TimeSpan.FromSeconds(30);
        // How long a file another process is saving right now is waited for.
        private static readonly TimeSpan s_savePatience = TimeSpan.FromMinutes(30);

        private ItemRunner? _runner;
        private ItemRunner? _refresher; // task-result requests for tasks without a usable link
        // Each input's task (or why there is none) by input order, so files are named and errors
        // written in the order the tasks came, however the refreshes finish.
        private readonly InputOrder<(HailuoTask? Task, HailuoException? Error, object Target)> _order = new InputOrder<(HailuoTask?, HailuoException?, object)>();
        private VideoDownloader? _downloader;
        private VideoFileNamer? _namer;
        private string _folder = "";
        private bool _folderReady;
        private AbandonedPartials? _abandoned;
        private TransferProgress? _progress;
        private SavedFileItems? _items;

        /// <summary>
        /// <para type="description">The ids of finished tasks whose videos to save.</para>
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = TaskIdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "task_id")]
        [ArgumentCompleter(typeof(TaskIdCompleter))]
        public string[] TaskId { get; set; } = Array.Empty<string>();

        private protected override string[] TaskIds => TaskId;

        /// <summary>
        /// <para type="description">The folder to save into (default: the current location). Created when missing. Files are named after the source image, e.g. sunset.jpg -> sunset.mp4.</para>
        /// </summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(FolderCompleter))]
        public string Destination { get; set; } = ".";

        /// <summary>
        /// <para type="description">Overwrites existing files instead of reporting VideoFileExists.</para>
        /// </summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>
        /// <para type="description">Writes out the file already there instead of reporting VideoFileExists, without downloading again: for rerunning a batch that was interrupted.</para>
        /// </summary>
        [Parameter]
        public SwitchParameter SkipExisting { get; set; }

        /// <summary>
        /// <para type="description">How many downloads may run at once (default 4).</para>
        /// </summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 4;

        private protected override int RequestLimit => ThrottleLimit;

        private protected override void Begin()
        {
            try
            {
                _folder = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Destination, out var provider, out _);
                if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
                    throw new PSArgumentException($"'{Destination}' is not a file system folder.");
            }
            catch (Exception ex) when (ex is PSArgumentException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException || ex is NotSupportedException)
            {
                throw EndCall(HailuoErrors.Record(ErrorIds.DestinationInvalid,
                    $"Cannot save into '{Destination}': {ex.Message}", Destination, ex));
            }
            if (File.Exists(_folder))
            {
                throw EndCall(HailuoErrors.Record(ErrorIds.DestinationInvalid,
                    $"Cannot save into '{Destination}': it is a file; -Destination takes a folder.", Destination));
            }
            _namer = new VideoFileNamer(_folder);
            _progress = new TransferProgress(TransferProgress.SavingActivityId, Dispatcher, WriteProgress, "Saving Hailuo videos", "saved", "received");
            var downloads = new DownloadOptions { Proxy = Proxy, Secret = KeyToHide, BytesWritten = _progress.Moved };
            if (RequestTimeout is TimeSpan timeout)
                downloads.StallTimeout = timeout;
            _downloader = new VideoDownloader(Gate, Retry, Log, downloads);
            _runner = new ItemRunner(Dispatcher, Background, ThrottleLimit);
            _refresher = new ItemRunner(Dispatcher, Background, RequestLimit);
        }

        private protected override void Process()
        {
            foreach (var input in NamedTasks())
            {
                long sequence = _order.Take();
                if (IsUsable(input.Known))
                    Ready(sequence, input.Known, null, input.Target);
                else
                {
                    var client = RequireClient(); // a missing key stops the call here, before any request
                    _refresher!.Start(() => RefreshAsync(client, input, sequence)); // concurrently, through the same gate as Get-HailuoTask
                }
                SaveInOrder();
            }
            _refresher!.Flush();
            _runner!.Flush();
        }

        private protected override void End()
        {
            // Refreshed tasks come back to this thread, where they are named and confirmed in turn.
            while (!_order.AllHandedOut)
            {
                Dispatcher.RunUntil(() => _order.NextIsDone || _refresher!.InFlight == 0);
                if (!_order.NextIsDone)
                    break; // its refresh ended without an answer: a fatal error, rethrown below
                SaveInOrder();
            }
            _refresher!.WaitAll();
            _runner?.WaitAll();
            _progress?.Complete();
        }

        private static bool IsUsable(HailuoTask? task) =>
            task != null && task.Status == HailuoTaskStatus.Succeeded && task.VideoUrl != null
            && (task.VideoUrlExpiresAt == null || task.VideoUrlExpiresAt > DateTimeOffset.UtcNow + s_expiryMargin);

        /// <summary>Asks task-result for a task without a usable video link; the answer is saved on the pipeline thread.</summary>
        private async System.Threading.Tasks.Task RefreshAsync(HighwayClient client, TaskInput input, long sequence)
        {
            try
            {
                var state = await client.GetTaskAsync(input.TaskId!, CancelToken).ConfigureAwait(false);
                var task = TaskSnapshots.FromServer(input.TaskId!, state, input.Known, DateTimeOffset.UtcNow);
                Session.Remember(task, Account);
                Ready(sequence, task, null, input.Target);
            }
            catch (HailuoException ex) when (!ex.IsTerminating)
            {
                Ready(sequence, null, ex, input.Target);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && CancelToken.IsCancellationRequested))
            {
                Report(ex, input.Target); // a refused key ends the call with its own ErrorId
                Ready(sequence, null, null, input.Target); // reported: its turn passes, and the inputs after it are saved
            }
        }

        private void Ready(long sequence, HailuoTask? task, HailuoException? error, object target)
        {
            _order.Done(sequence, (task, error, target));
            Dispatcher.Wake();
        }

        /// <summary>Saves (or reports) every input whose turn has come. Pipeline thread only.</summary>
        private void SaveInOrder()
        {
            while (_order.TryNext(out var next))
            {
                if (next.Error != null)
                    Report(next.Error, next.Target);
                else if (next.Task != null)
                    Save(next.Task);
            }
        }

        /// <summary>Names the file, checks what is there, confirms, and starts the download. Pipeline thread only.</summary>
        private void Save(HailuoTask task)
        {
            if (!HasVideo(task))
                return;
            string path = _namer!.Reserve(task);
            if (!Force && SkipExisting && File.Exists(path))
            {
                WriteVerbose($"The video of task '{task.TaskId}' is already at '{path}'; not downloading it again.");
                WriteSavedFile(path, task);
                return;
            }
            if (!Force && File.Exists(path))
            {
                Report(FileExistsError(path, task));
                return;
            }
            if (!ShouldProcess(path, $"Save the video of task {task.TaskId}"))
                return;
            EnsureFolder();
            _runner!.Start(() => DownloadAsync(task, path));
        }

        /// <summary>True for a task with a video to download; otherwise writes why not.</summary>
        private bool HasVideo(HailuoTask task)
        {
            if (task.Status == HailuoTaskStatus.Failed)
            {
                Report(HailuoErrors.TaskFailed(task.TaskId, task.SourceImage, task.Reason, task));
                return false;
            }
            if (task.Status != HailuoTaskStatus.Succeeded)
            {
                Report(HailuoErrors.Record(ErrorIds.HailuoTaskNotReady,
                    $"Task '{task.TaskId}' is {task.Status}{(task.ProgressPercent is int p ? $" ({p}%)" : "")}, not finished; wait for it first: Wait-HailuoTask -TaskId {task.TaskId} | Save-HailuoVideo", task));
                return false;
            }
            if (task.VideoUrl == null)
            {
                Report(HailuoErrors.Record(ErrorIds.VideoDownloadFailed,
                    $"Task '{task.TaskId}' succeeded but the server named no video to download.", task));
                return false;
            }
            return true;
        }

        /// <summary>
        /// Creates the folder and proves it takes a new file, once, before the first download: a
        /// folder that cannot be written (read-only disk, no permission, full) fails every video the
        /// same way, so the call stops there and fetches nothing.
        /// </summary>
        private void EnsureFolder()
        {
            if (_folderReady)
                return;
            try
            {
                Directory.CreateDirectory(_folder);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw EndCall(HailuoErrors.Record(ErrorIds.DestinationInvalid,
                    $"Cannot create the folder '{_folder}': {ex.Message} Nothing was downloaded.", Destination, ex));
            }
            string probe = System.IO.Path.Combine(_folder, ".hailuo-write-check-" + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp");
            try
            {
                using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
                {
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw EndCall(HailuoErrors.Record(ErrorIds.VideoWriteFailed,
                    $"Cannot save into '{_folder}': {(ex is IOException io && IoFailure.IsDiskFull(io) ? "the disk is full" : ex.Message)} Nothing was downloaded.", Destination, ex));
            }
            _abandoned = AbandonedPartials.In(_folder);
            _folderReady = true;
        }

        /// <summary>
        /// Writes the saved file as Get-Item -LiteralPath would (see SavedFileItems), with the task it
        /// holds as a TaskId note (so Export-HailuoReview and -TaskId by property name find it), and
        /// remembers where the session saved that task's video. Pipeline thread only.
        /// </summary>
        private void WriteSavedFile(string path, HailuoTask task)
        {
            _items ??= SavedFileItems.For(InvokeProvider, _folder, WriteDebug);
            var item = PSObject.AsPSObject(_items.Item(path));
            item.Properties.Add(new PSNoteProperty(nameof(HailuoTask.TaskId), task.TaskId));
            Session.RememberSaved(task.TaskId, path);
            WriteObject(item);
        }

        private static ErrorRecord FileExistsError(string path, HailuoTask task) =>
            HailuoErrors.Record(ErrorIds.VideoFileExists,
                $"The file '{path}' already exists; the video of task '{task.TaskId}' was not saved. Use -Force to overwrite it, or -SkipExisting to keep it.", task);

        private async Task DownloadAsync(HailuoTask task, string path)
        {
            // Another process (or runspace) may be saving the same file right now: take turns.
            SaveLock? turn = null;
            try
            {
                turn = await SaveLocks.AcquireAsync(path, s_savePatience,
                    () => Log.Verbose($"Another process is saving '{path}' right now; waiting up to {s_savePatience.TotalMinutes:0} min for it."), CancelToken).ConfigureAwait(false);
                if (turn == null)
                {
                    Report(HailuoErrors.Record(ErrorIds.VideoSaveBusy,
                        $"Another process has been saving '{path}' for over {s_savePatience.TotalMinutes:0} minutes; the video of task '{task.TaskId}' was not saved. Run the command again once it has finished.", task));
                    return;
                }
                if (turn.Unavailable != null) // the download is still written beside the file and renamed in one step
                    Log.Debug($"Saving '{path}' without the cross-process lock ({turn.Unavailable}).");
                else
                    _abandoned?.RemoveFor(path); // a killed save's leftovers: nobody else can be writing them now
                if (!Force && File.Exists(path))
                {
                    // Saved by that other process while this one waited.
                    if (SkipExisting)
                    {
                        Log.Verbose($"The video of task '{task.TaskId}' was saved at '{path}' by another process; not downloading it again.");
                        Dispatcher.Post(() => WriteSavedFile(path, task));
                    }
                    else
                    {
                        Report(FileExistsError(path, task));
                    }
                    return;
                }
                _progress!.Started();
                try
                {
                    await _downloader!.DownloadAsync(task.TaskId, task.VideoUrl!, path, Force, RefreshUrlAsync, CancelToken).ConfigureAwait(false);
                }
                finally
                {
                    _progress.Ended();
                }
                Dispatcher.Post(() => WriteSavedFile(path, task));
            }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                Report(ex, task);
            }
            finally
            {
                turn?.Dispose();
            }

            // An expired or refused link: ask task-result once for a fresh one.
            async Task<Uri?> RefreshUrlAsync(CancellationToken ct)
            {
                var state = await RequireClient().GetTaskAsync(task.TaskId, ct).ConfigureAwait(false);
                return state.VideoUrl;
            }
        }
    }
}
