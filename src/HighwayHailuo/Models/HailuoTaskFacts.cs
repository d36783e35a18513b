// What a HailuoTask snapshot says, field by field and by name: the one way to build a task
// (TaskSnapshots fills it in), so no constructor call is a row of unnamed nulls.
using System;

namespace HighwayHailuo
{
    internal sealed class HailuoTaskFacts
    {
        public string TaskId { get; set; } = "";
        public HailuoTaskStatus Status { get; set; } = HailuoTaskStatus.Unknown;
        public string? ServerStatus { get; set; }
        public int? ProgressPercent { get; set; }
        public int? EtaSeconds { get; set; }
        public string? Reason { get; set; }
        public Uri? VideoUrl { get; set; }
        public DateTimeOffset? VideoUrlExpiresAt { get; set; }
        public string? VideoType { get; set; }
        public string? Seed { get; set; }
        public string? Model { get; set; }
        public string? SourceImage { get; set; }
        public string? LastFrame { get; set; }
        public string? Prompt { get; set; }
        public int? Duration { get; set; }
        public string? Resolution { get; set; }
        public DateTimeOffset? SubmittedAt { get; set; }
        public DateTimeOffset? CompletedAt { get; set; }
        public DateTimeOffset LastUpdated { get; set; }
        public decimal? EstimatedCost { get; set; }
        public string? EstimatedCostCurrency { get; set; }

        /// <summary>The facts of an existing snapshot, to build the next one from.</summary>
        public static HailuoTaskFacts Of(HailuoTask task) => new HailuoTaskFacts
        {
            TaskId = task.TaskId,
            Status = task.Status,
            ServerStatus = task.ServerStatus,
            ProgressPercent = task.ProgressPercent,
            EtaSeconds = task.EtaSeconds,
            Reason = task.Reason,
            VideoUrl = task.VideoUrl,
            VideoUrlExpiresAt = task.VideoUrlExpiresAt,
            VideoType = task.VideoType,
            Seed = task.Seed,
            Model = task.Model,
            SourceImage = task.SourceImage,
            LastFrame = task.LastFrame,
            Prompt = task.Prompt,
            Duration = task.Duration,
            Resolution = task.Resolution,
            SubmittedAt = task.SubmittedAt,
            CompletedAt = task.CompletedAt,
            LastUpdated = task.LastUpdated,
            EstimatedCost = task.EstimatedCost,
            EstimatedCostCurrency = task.EstimatedCostCurrency,
        };

        public HailuoTask ToTask() => new HailuoTask(this);
    }
}
