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
            new HailuoTask(taskId, HailuoTaskStatus.Queued, serverStatus: null, progressPercent: null, etaSeconds: null, reason: null,
                videoUrl: null, videoUrlExpiresAt: null, videoType: null, seed: null,
                model, sourceImage, lastFrame, prompt, duration, resolution, submittedAt, completedAt: null, lastUpdated: now);

        /// <summary>A task id the client has no facts about yet (before its first task-result answer).</summary>
        public static HailuoTask Unseen(string taskId, DateTimeOffset now) =>
            new HailuoTask(taskId, HailuoTaskStatus.Unknown, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, now);

        /// <summary>
        /// A new snapshot from a task-result answer that keeps what the client knew locally
        /// (model, frames, prompt, duration, resolution, submit time) from <paramref name="local"/>.
        /// </summary>
        public static HailuoTask FromServer(string taskId, ServerTaskState state, HailuoTask? local, DateTimeOffset now)
        {
            Uri? videoUrl = local?.VideoUrl;
            string? videoType = local?.VideoType;
            DateTimeOffset? expires = local?.VideoUrlExpiresAt;
            if (state.VideoUrl != null)
            {
                videoUrl = state.VideoUrl;
                videoType = state.VideoType;
                // The documented default lifetime of a video link is one hour.
                expires = now.AddSeconds(state.VideoUrlTtlSeconds is int ttl && ttl > 0 ? ttl : 3600);
            }
            bool completed = state.Status == HailuoTaskStatus.Succeeded || state.Status == HailuoTaskStatus.Failed;
            return new HailuoTask(local?.TaskId ?? taskId, state.Status, state.RawStatus, state.ProgressPercent, state.EtaSeconds, state.Reason,
                videoUrl, expires, videoType, state.Seed ?? local?.Seed,
                local?.Model, local?.SourceImage, local?.LastFrame, local?.Prompt, local?.Duration, local?.Resolution,
                local?.SubmittedAt ?? state.SubmittedAt,
                completed ? state.CompletedAt ?? local?.CompletedAt ?? now : null,
                now);
        }
    }
}
