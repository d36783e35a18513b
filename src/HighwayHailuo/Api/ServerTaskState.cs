// What one task-result answer said about a task, before it becomes a HailuoTask snapshot.
using System;

namespace HighwayHailuo.Api
{
    /// <summary>What one task-result answer said about a task.</summary>
    internal sealed class ServerTaskState
    {
        public HailuoTaskStatus Status { get; set; }
        public string? RawStatus { get; set; }
        public string? Reason { get; set; }
        public int? EtaSeconds { get; set; }
        public int? ProgressPercent { get; set; }
        public Uri? VideoUrl { get; set; }
        public int? VideoUrlTtlSeconds { get; set; }
        public string? VideoType { get; set; }
        public string? Seed { get; set; }
        public DateTimeOffset? SubmittedAt { get; set; }
        public DateTimeOffset? CompletedAt { get; set; }
    }
}
