// The one place a HailuoTask snapshot is built: from a fresh submission, from a task-result
// answer (keeping what the client knew locally), from a journal record, or for an id the client
// knows nothing about yet.
using System;

namespace HighwayHailuo.Api
{
    internal static class TaskSnapshots
    {
        /// <summary>A task the server has just accepted.</summary>
        public static HailuoTask Submitted(string taskId, SubmitRequest request, DateTimeOffset submittedAt, DateTimeOffset now) =>
            Local(taskId, request.Model, request.SourceImage, request.LastFrame?.Source, request.Prompt, request.Duration, request.Resolution, submittedAt, now);

        /// <summary>A task as a journal recorded it: queued when submitted, as far as the client knows.</summary>
        public static HailuoTask Local(string taskId, string model, string? sourceImage, string? lastFrame, string? prompt, int? duration, string? resolution,
            DateTimeOffset submittedAt, DateTimeOffset now) =>
            new HailuoTaskFacts
            {
                TaskId = taskId,
                Status = HailuoTaskStatus.Queued,
                Model = model,
                SourceImage = sourceImage,
                LastFrame = lastFrame,
                Prompt = prompt,
                Duration = duration,
                Resolution = resolution,
                SubmittedAt = submittedAt,
                LastUpdated = now,
            }.ToTask();

        /// <summary>A task id the client has no facts about yet (before its first task-result answer).</summary>
        public static HailuoTask Unseen(string taskId, DateTimeOffset now) =>
            new HailuoTaskFacts { TaskId = taskId, Status = HailuoTaskStatus.Unknown, LastUpdated = now }.ToTask();

        /// <summary>
        /// A new snapshot from a task-result answer that keeps what the client knew locally
        /// (model, frames, prompt, duration, resolution, submit time) from <paramref name="local"/>.
        /// </summary>
        public static HailuoTask FromServer(string taskId, ServerTaskState state, HailuoTask? local, DateTimeOffset now)
        {
            var facts = local == null ? new HailuoTaskFacts { TaskId = taskId } : HailuoTaskFacts.Of(local);
            facts.Status = state.Status;
            facts.ServerStatus = state.RawStatus;
            facts.ProgressPercent = state.ProgressPercent;
            facts.EtaSeconds = state.EtaSeconds;
            facts.Reason = state.Reason;
            if (state.VideoUrl != null)
            {
                facts.VideoUrl = state.VideoUrl;
                facts.VideoType = state.VideoType;
                // The documented default lifetime of a video link is one hour.
                facts.VideoUrlExpiresAt = now.AddSeconds(state.VideoUrlTtlSeconds is int ttl && ttl > 0 ? ttl : 3600);
            }
            facts.Seed = state.Seed ?? local?.Seed;
            facts.SubmittedAt = local?.SubmittedAt ?? state.SubmittedAt;
            bool completed = state.Status == HailuoTaskStatus.Succeeded || state.Status == HailuoTaskStatus.Failed;
            facts.CompletedAt = completed ? state.CompletedAt ?? local?.CompletedAt ?? now : null;
            facts.LastUpdated = now;
            return facts.ToTask();
        }
    }
}
