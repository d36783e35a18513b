// The progress display of Wait-HailuoTask: one bar for the batch, a child bar per running task.
// At most one update per bar every 200 ms (Windows PowerShell slows down badly when flooded), and
// a Completed record for every bar that was shown.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using HighwayHailuo.Api;

namespace HighwayHailuo.Waiting
{
    internal sealed class WaitProgress
    {
        public const int BatchActivityId = 1;
        private static readonly TimeSpan s_minInterval = TimeSpan.FromMilliseconds(200);
        private const string BatchActivity = "Waiting for Hailuo videos";

        private readonly Action<ProgressRecord> _write;
        private readonly Dictionary<string, ChildBar> _children = new Dictionary<string, ChildBar>(StringComparer.Ordinal);
        private readonly Stopwatch _sinceLast = new Stopwatch();
        private int _nextChildId = BatchActivityId + 1;
        private string? _lastBatchText;
        private bool _batchShown;

        public WaitProgress(Action<ProgressRecord> write)
        {
            _write = write;
        }

        /// <summary>Shows the current state if the last update is at least 200 ms old.</summary>
        public void Refresh(IReadOnlyCollection<HailuoTask> running, int succeeded, int failed)
        {
            if (_sinceLast.IsRunning && _sinceLast.Elapsed < s_minInterval)
                return;
            bool wrote = false;

            int total = running.Count + succeeded + failed;
            if (total > 0)
            {
                double sum = 100.0 * (succeeded + failed) + running.Sum(t => (double)(t.ProgressPercent ?? 0));
                int percent = (int)Math.Round(sum / total);
                string text = string.Format(CultureInfo.CurrentCulture, "{0} done, {1} failed, {2} running", succeeded, failed, running.Count);
                if (text + percent != _lastBatchText)
                {
                    _write(new ProgressRecord(BatchActivityId, BatchActivity, text) { PercentComplete = Clamp(percent) });
                    _lastBatchText = text + percent;
                    _batchShown = true;
                    wrote = true;
                }
            }

            var stillRunning = new HashSet<string>(running.Select(t => t.TaskId), StringComparer.Ordinal);
            foreach (var ended in _children.Keys.Where(id => !stillRunning.Contains(id)).ToList())
            {
                var bar = _children[ended];
                _children.Remove(ended);
                _write(Completed(bar.ActivityId, bar.Activity));
                wrote = true;
            }
            foreach (var task in running)
            {
                if (!_children.TryGetValue(task.TaskId, out var bar))
                {
                    bar = new ChildBar(_nextChildId++, "Task " + task.TaskId);
                    _children.Add(task.TaskId, bar);
                }
                string status = string.Format(CultureInfo.CurrentCulture, "{0}: {1}{2}{3}",
                    Label(task), task.Status,
                    task.ProgressPercent is int p ? " " + p.ToString(CultureInfo.CurrentCulture) + "%" : "",
                    task.EtaSeconds is int eta && eta > 0 ? ", about " + eta.ToString(CultureInfo.CurrentCulture) + " s left" : "");
                if (status == bar.LastStatus)
                    continue;
                _write(new ProgressRecord(bar.ActivityId, bar.Activity, status)
                {
                    ParentActivityId = BatchActivityId,
                    PercentComplete = Clamp(task.ProgressPercent ?? 0),
                });
                bar.LastStatus = status;
                wrote = true;
            }
            if (wrote)
                _sinceLast.Restart();
        }

        /// <summary>Closes every bar that was shown, keeping to the update rate.</summary>
        public void Complete()
        {
            if (_children.Count == 0 && !_batchShown)
                return;
            if (_sinceLast.IsRunning && _sinceLast.Elapsed < s_minInterval)
                Thread.Sleep(s_minInterval - _sinceLast.Elapsed);
            foreach (var bar in _children.Values)
                _write(Completed(bar.ActivityId, bar.Activity));
            _children.Clear();
            if (_batchShown)
                _write(Completed(BatchActivityId, BatchActivity));
            _batchShown = false;
            _sinceLast.Restart();
        }

        private static ProgressRecord Completed(int id, string activity) => new ProgressRecord(id, activity, "Done")
        {
            RecordType = ProgressRecordType.Completed,
            ParentActivityId = id == BatchActivityId ? -1 : BatchActivityId,
        };

        private static int Clamp(int percent) => Math.Max(0, Math.Min(100, percent));

        private static string Label(HailuoTask task)
        {
            if (string.IsNullOrEmpty(task.SourceImage))
            {
                // A text-only task is known by its prompt.
                if (task.Model != null && !string.IsNullOrEmpty(task.Prompt))
                    return PromptPreview.Quoted(task.Prompt!, 40);
                return task.TaskId;
            }
            var source = task.SourceImage!;
            int slash = Math.Max(source.LastIndexOf('/'), source.LastIndexOf('\\'));
            return slash >= 0 && slash < source.Length - 1 ? source.Substring(slash + 1) : source;
        }

        private sealed class ChildBar
        {
            public ChildBar(int activityId, string activity)
            {
                ActivityId = activityId;
                Activity = activity;
            }

            public int ActivityId { get; }
            public string Activity { get; }
            public string? LastStatus { get; set; }
        }
    }
}
