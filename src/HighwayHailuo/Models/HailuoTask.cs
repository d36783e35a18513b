// The typed task object every cmdlet returns: what the server said plus what the client knew locally.
using System;

namespace HighwayHailuo
{
    /// <summary>
    /// A snapshot of one Minimax Hailuo image-to-video task. Cmdlets never change a snapshot after
    /// writing it; a refresh produces a new object that keeps the local facts (source image, prompt,
    /// duration, resolution, submit time).
    /// </summary>
    public sealed class HailuoTask
    {
        internal HailuoTask(string taskId)
        {
            TaskId = taskId;
        }

        /// <summary>The server's task id.</summary>
        public string TaskId { get; }

        /// <summary>The task's state when this snapshot was taken.</summary>
        public HailuoTaskStatus Status { get; internal set; }

        /// <summary>Percent complete (0..100) as reported by the server, when reported.</summary>
        public int? ProgressPercent { get; internal set; }

        /// <summary>Seconds left as estimated by the server, when reported.</summary>
        public int? EtaSeconds { get; internal set; }

        /// <summary>The server's reason for a failed task.</summary>
        public string? Reason { get; internal set; }

        /// <summary>The presigned URL of the finished video.</summary>
        public Uri? VideoUrl { get; internal set; }

        /// <summary>When <see cref="VideoUrl"/> stops working (UTC).</summary>
        public DateTimeOffset? VideoUrlExpiresAt { get; internal set; }

        /// <summary>The container the server names for the video, e.g. mp4.</summary>
        public string? VideoType { get; internal set; }

        /// <summary>The generation seed reported by the server.</summary>
        public string? Seed { get; internal set; }

        /// <summary>The full provider path of the local image, or the image URL as given.</summary>
        public string? SourceImage { get; internal set; }

        /// <summary>The prompt exactly as sent.</summary>
        public string? Prompt { get; internal set; }

        /// <summary>The video length in seconds as sent (6 or 10).</summary>
        public int? Duration { get; internal set; }

        /// <summary>The resolution as sent (768P or 1080P).</summary>
        public string? Resolution { get; internal set; }

        /// <summary>When the task was submitted (UTC).</summary>
        public DateTimeOffset? SubmittedAt { get; internal set; }

        /// <summary>When the task ended (UTC): the server's completion time, else when the client first saw it end.</summary>
        public DateTimeOffset? CompletedAt { get; internal set; }

        /// <summary>When this snapshot was taken (UTC).</summary>
        public DateTimeOffset LastUpdated { get; internal set; }

        /// <summary>True once the task has succeeded or failed.</summary>
        public bool IsCompleted => Status == HailuoTaskStatus.Succeeded || Status == HailuoTaskStatus.Failed;

        /// <summary>The task id, so a task binds wherever a task id is expected.</summary>
        public override string ToString() => TaskId;

        internal HailuoTask Clone() => (HailuoTask)MemberwiseClone();

        /// <summary>
        /// A new snapshot from a task-result answer that keeps what the client knew locally
        /// (source image, prompt, duration, resolution, submit time) from <paramref name="local"/>.
        /// </summary>
        internal static HailuoTask FromServer(string taskId, Api.ServerTaskState state, HailuoTask? local, DateTimeOffset now)
        {
            var task = local?.Clone() ?? new HailuoTask(taskId);
            task.Status = state.Status;
            task.ProgressPercent = state.ProgressPercent;
            task.EtaSeconds = state.EtaSeconds;
            task.Reason = state.Reason;
            if (state.VideoUrl != null)
            {
                task.VideoUrl = state.VideoUrl;
                task.VideoType = state.VideoType;
                // The documented default lifetime of a video link is one hour.
                task.VideoUrlExpiresAt = now.AddSeconds(state.VideoUrlTtlSeconds is int ttl && ttl > 0 ? ttl : 3600);
            }
            task.Seed = state.Seed ?? task.Seed;
            task.SubmittedAt = local?.SubmittedAt ?? state.SubmittedAt;
            task.CompletedAt = task.IsCompleted ? state.CompletedAt ?? local?.CompletedAt ?? now : null;
            task.LastUpdated = now;
            return task;
        }
    }
}
