// The typed task object every cmdlet returns: what the server said plus what the client knew locally.
using System;

namespace HighwayHailuo
{
    /// <summary>
    /// A snapshot of one Minimax Hailuo video task, immutable: a refresh produces a new object that
    /// keeps the local facts (model, frames, prompt, duration, resolution, submit time).
    /// Snapshots are built in one place, HighwayHailuo.Api.TaskSnapshots.
    /// </summary>
    public sealed class HailuoTask
    {
        internal HailuoTask(HailuoTaskFacts facts)
        {
            TaskId = facts.TaskId;
            Status = facts.Status;
            ServerStatus = facts.ServerStatus;
            ProgressPercent = facts.ProgressPercent;
            EtaSeconds = facts.EtaSeconds;
            Reason = facts.Reason;
            VideoUrl = facts.VideoUrl;
            VideoUrlExpiresAt = facts.VideoUrlExpiresAt;
            VideoType = facts.VideoType;
            Seed = facts.Seed;
            Model = facts.Model;
            SourceImage = facts.SourceImage;
            LastFrame = facts.LastFrame;
            Prompt = facts.Prompt;
            Duration = facts.Duration;
            Resolution = facts.Resolution;
            SubmittedAt = facts.SubmittedAt;
            CompletedAt = facts.CompletedAt;
            LastUpdated = facts.LastUpdated;
            EstimatedCost = facts.EstimatedCost;
            EstimatedCostCurrency = facts.EstimatedCostCurrency;
        }

        /// <summary>The server's task id.</summary>
        public string TaskId { get; }

        /// <summary>The task's state when this snapshot was taken.</summary>
        public HailuoTaskStatus Status { get; }

        /// <summary>The status exactly as the server wrote it (e.g. TASK_STATUS_QUEUED), so an Unknown status still says what the server meant; null before the server was asked.</summary>
        public string? ServerStatus { get; }

        /// <summary>Percent complete (0..100) as reported by the server, when reported.</summary>
        public int? ProgressPercent { get; }

        /// <summary>Seconds left as estimated by the server, when reported.</summary>
        public int? EtaSeconds { get; }

        /// <summary>The server's reason for a failed task.</summary>
        public string? Reason { get; }

        /// <summary>The presigned URL of the finished video.</summary>
        public Uri? VideoUrl { get; }

        /// <summary>When <see cref="VideoUrl"/> stops working (UTC).</summary>
        public DateTimeOffset? VideoUrlExpiresAt { get; }

        /// <summary>The container the server names for the video, e.g. mp4.</summary>
        public string? VideoType { get; }

        /// <summary>The generation seed reported by the server.</summary>
        public string? Seed { get; }

        /// <summary>The model the task was submitted to: Hailuo-2.3, Hailuo-2.3-Fast or Hailuo-02; null when the client never knew it (a bare task id).</summary>
        public string? Model { get; }

        /// <summary>The full provider path of the local image (the first frame), or the image URL as given; null for a text-only task.</summary>
        public string? SourceImage { get; }

        /// <summary>The last frame (Hailuo-02): the full provider path of the local image, or the URL as given; null when none was sent.</summary>
        public string? LastFrame { get; }

        /// <summary>The prompt exactly as sent.</summary>
        public string? Prompt { get; }

        /// <summary>The video length in seconds as sent (6 or 10).</summary>
        public int? Duration { get; }

        /// <summary>The resolution as sent (768P or 1080P).</summary>
        public string? Resolution { get; }

        /// <summary>When the task was submitted (UTC).</summary>
        public DateTimeOffset? SubmittedAt { get; }

        /// <summary>When the task ended (UTC): the server's completion time, else when the client first saw it end.</summary>
        public DateTimeOffset? CompletedAt { get; }

        /// <summary>When this snapshot was taken (UTC).</summary>
        public DateTimeOffset LastUpdated { get; }

        /// <summary>
        /// The estimated cost of this task from the session's price table (Get-HailuoPrice), set when
        /// the task is written out; null when its model, length or resolution is not known locally or
        /// has no figure. An estimate, not what Highway bills.
        /// </summary>
        public decimal? EstimatedCost { get; }

        /// <summary>The currency of EstimatedCost (USD); null with it.</summary>
        public string? EstimatedCostCurrency { get; }

        /// <summary>True once the task has succeeded or failed.</summary>
        public bool IsCompleted => Status == HailuoTaskStatus.Succeeded || Status == HailuoTaskStatus.Failed;

        /// <summary>The task id, so a task binds wherever a task id is expected.</summary>
        public override string ToString() => TaskId;
    }
}
