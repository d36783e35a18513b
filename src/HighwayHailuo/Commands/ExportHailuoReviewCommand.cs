// Export-HailuoReview: writes one self-contained HTML page of the piped tasks and saved videos, to
// look at a batch, filter it, tick the keepers and download them as a CSV that New-HailuoVideo
// binds (Import-Csv keepers.csv | New-HailuoVideo -Model Hailuo-2.3 -Resolution 1080P). It reads
// nothing from the network: tasks are shown as they were piped.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Text;
using HighwayHailuo.Errors;
using HighwayHailuo.Hosting;
using HighwayHailuo.Review;

namespace HighwayHailuo.Commands
{
    /// <summary>
    /// <para type="synopsis">Writes a self-contained HTML page of tasks and saved videos, to review a batch and download the keepers as a CSV for New-HailuoVideo.</para>
    /// </summary>
    [Cmdlet(VerbsData.Export, "HailuoReview", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportHailuoReviewCommand : PSCmdlet
    {
        /// <summary>
        /// <para type="description">The HTML file to write. Images and videos are linked relative to its folder, so keep the page beside them (or move them together).</para>
        /// </summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>
        /// <para type="description">A task (from New-HailuoVideo, Wait-HailuoTask or Get-HailuoTask) or a saved video (from Save-HailuoVideo, which carries its TaskId). A task and its saved video make one card.</para>
        /// </summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [AllowNull]
        public object? InputObject { get; set; }

        /// <summary>
        /// <para type="description">The page's title (default "HighwayHailuo review").</para>
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Title { get; set; } = "HighwayHailuo review";

        /// <summary>
        /// <para type="description">Refuses to replace an existing file (ReviewFileExists) instead of overwriting it.</para>
        /// </summary>
        [Parameter]
        public SwitchParameter NoClobber { get; set; }

        /// <summary>
        /// <para type="description">Writes the page's file (a FileInfo) once it is written.</para>
        /// </summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private readonly List<ReviewItem> _items = new List<ReviewItem>();
        private readonly Dictionary<string, ReviewItem> _byTask = new Dictionary<string, ReviewItem>(StringComparer.Ordinal);
        private SessionSettings _session = null!;

        protected override void BeginProcessing() => _session = SessionSettings.Current;

        protected override void ProcessRecord()
        {
            // -InputObject $tasks brings the whole array at once: take its items as the pipeline would.
            if ((InputObject is PSObject wrapped ? wrapped.BaseObject : InputObject) is System.Collections.IEnumerable several && !(several is string))
            {
                foreach (object? item in several)
                    Take(item);
                return;
            }
            Take(InputObject);
        }

        private void Take(object? input)
        {
            object? value = input is PSObject ps ? ps.BaseObject : input;
            switch (value)
            {
                case null:
                    return;
                case HailuoTask task:
                    Add(task);
                    return;
                case FileInfo file when TaskIdOf(input) is string taskId:
                    AddVideo(taskId, file.FullName);
                    return;
                default:
                    WriteError(HailuoErrors.Record(ErrorIds.ReviewInputInvalid, string.Format(CultureInfo.InvariantCulture,
                        "A {0} is neither a task nor a video Save-HailuoVideo saved; pipe tasks (New-HailuoVideo, Wait-HailuoTask, Get-HailuoTask) or Save-HailuoVideo's files.",
                        value.GetType().Name), input));
                    return;
            }
        }

        private static string? TaskIdOf(object? input) =>
            input is PSObject ps && ps.Properties[nameof(HailuoTask.TaskId)]?.Value is object id ? id.ToString() : null;

        private ReviewItem ItemFor(string taskId)
        {
            if (!_byTask.TryGetValue(taskId, out var item))
            {
                item = new ReviewItem { TaskId = taskId, Status = "Unknown" };
                _byTask[taskId] = item;
                _items.Add(item);
                if (_session.Known(taskId) is HailuoTask known)
                    Fill(item, known);
            }
            return item;
        }

        private void Add(HailuoTask task)
        {
            var item = ItemFor(task.TaskId);
            Fill(item, task);
            item.VideoFile ??= _session.SavedVideoOf(task.TaskId);
            if (item.VideoFile != null && item.Status != HailuoTaskStatus.Failed.ToString())
                item.Status = HailuoTaskStatus.Succeeded.ToString(); // a saved video means it succeeded, whatever an older snapshot said
        }

        private void AddVideo(string taskId, string file)
        {
            var item = ItemFor(taskId);
            item.VideoFile = file;
            if (item.Status != HailuoTaskStatus.Failed.ToString())
                item.Status = HailuoTaskStatus.Succeeded.ToString(); // a saved video means it succeeded, whatever an older snapshot said
        }

        private void Fill(ReviewItem item, HailuoTask task)
        {
            var estimate = _session.Prices.For(task.Model, task.Duration, task.Resolution);
            item.Status = task.Status.ToString();
            item.Model = task.Model;
            item.Prompt = task.Prompt;
            item.Duration = task.Duration;
            item.Resolution = task.Resolution;
            item.EstimatedCost = estimate?.EstimatedPrice;
            item.Currency = estimate?.Currency;
            item.Reason = task.Reason;
            item.SourceImageFile = task.SourceImage;
            item.LastFrameFile = task.LastFrame;
            item.Csv = new[]
            {
                Cell("Path", task.SourceImage),
                Cell("LastFrame", task.LastFrame),
                Cell("Prompt", task.Prompt),
                Cell("Duration", task.Duration?.ToString(CultureInfo.InvariantCulture)),
                Cell("DraftModel", task.Model),
                Cell("DraftTaskId", task.TaskId),
            };
        }

        private static KeyValuePair<string, string> Cell(string column, string? value) => new KeyValuePair<string, string>(column, value ?? "");

        protected override void EndProcessing()
        {
            string full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            string folder = System.IO.Path.GetDirectoryName(full) ?? ".";
            foreach (var item in _items.Where(i => i.Csv.Count == 0))
                item.Csv = new[] { Cell("Path", ""), Cell("LastFrame", ""), Cell("Prompt", ""), Cell("Duration", ""), Cell("DraftModel", ""), Cell("DraftTaskId", item.TaskId) };
            if (!Directory.Exists(folder))
            {
                ThrowTerminatingError(HailuoErrors.Record(ErrorIds.ReviewWriteFailed, $"Cannot write the review page '{full}': its folder does not exist.", Path));
                return;
            }
            if (File.Exists(full) && NoClobber)
            {
                ThrowTerminatingError(HailuoErrors.Record(ErrorIds.ReviewFileExists, $"The file '{full}' already exists; the review page was not written. Leave out -NoClobber to replace it.", Path));
                return;
            }
            if (!ShouldProcess(full, string.Format(CultureInfo.InvariantCulture, "Write a review page of {0} task{1}", _items.Count, _items.Count == 1 ? "" : "s")))
                return;
            string module = "HighwayHailuo " + (typeof(ExportHailuoReviewCommand).GetTypeInfo().Assembly.GetName().Version?.ToString(3) ?? "");
            string html = ReviewPage.Render(_items, folder, Title, module, DateTimeOffset.UtcNow);
            WriteWhole(full, Encoding.UTF8.GetBytes(html));
            foreach (var missing in _items.Where(i => i.VideoFile == null && i.Status == HailuoTaskStatus.Succeeded.ToString()))
                WriteVerbose($"Task '{missing.TaskId}' succeeded, but no saved video of it was piped or saved in this session; the page shows its state instead. Pipe Save-HailuoVideo's files to show it.");
            if (PassThru)
                WriteObject(PageItem(full));
        }

        /// <summary>The page as Get-Item gives it (with PSPath, so Invoke-Item takes it from the pipeline); a plain FileInfo if the provider cannot read it.</summary>
        private object PageItem(string full)
        {
            try
            {
                var items = InvokeProvider.Item.Get(new[] { full }, force: true, literalPath: true);
                if (items.Count == 1)
                    return items[0];
            }
            catch (Exception ex) when (ex is SessionStateException || ex is ProviderInvocationException || ex is IOException || ex is UnauthorizedAccessException)
            {
                WriteDebug($"The provider could not read '{full}' back ({ex.Message}); writing a plain FileInfo.");
            }
            return new FileInfo(full);
        }

        // Written beside the target and moved over it in one step: a reader never sees half a page.
        private void WriteWhole(string path, byte[] bytes)
        {
            string partial = path + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".partial";
            try
            {
                File.WriteAllBytes(partial, bytes);
                if (File.Exists(path))
                    File.Replace(partial, path, null);
                else
                    File.Move(partial, path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                try { File.Delete(partial); } catch (Exception cleanup) when (cleanup is IOException || cleanup is UnauthorizedAccessException) { }
                ThrowTerminatingError(HailuoErrors.Record(ErrorIds.ReviewWriteFailed, $"Cannot write the review page '{path}': {ex.Message}", Path, ex));
            }
        }
    }
}
