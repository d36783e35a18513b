// Tolerant reading of the task-result answer: strings or numbers where clients disagree,
// unknown fields ignored, unknown statuses treated as still running (highway-api.md section 2).
using System;
using System.Globalization;
using System.Management.Automation;
using System.Text.Json;
using HighwayHailuo.Errors;

namespace HighwayHailuo.Api
{
    internal static class TaskResultParser
    {
        public static ServerTaskState Parse(ReadOnlyMemory<byte> body, string requestedTaskId)
        {
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32, AllowTrailingCommas = true });
            }
            catch (JsonException ex)
            {
                throw Invalid($"The task-result answer for task '{requestedTaskId}' is not valid JSON ({ex.Message}).", ex);
            }

            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("task", out var task) || task.ValueKind != JsonValueKind.Object)
                    throw Invalid($"The task-result answer for task '{requestedTaskId}' has no \"task\" object.");
                // An unknown status string is tolerated (treated as still running); a missing one or
                // another type is not an answer at all.
                if (!task.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.String)
                    throw Invalid($"The task-result answer for task '{requestedTaskId}' has no \"status\" string.");

                // Everything kept as text is shown to users: made safe here, once (ServerText).
                string? statusText = status.GetString();
                var state = new ServerTaskState
                {
                    Status = MapStatus(statusText),
                    RawStatus = ServerText.Clean(statusText, 80),
                    Reason = ServerText.Clean(NullIfEmpty(GetString(task, "reason")), 1000),
                    EtaSeconds = GetInt(task, "eta"),
                    ProgressPercent = GetInt(task, "progress_percent") is int p ? Math.Max(0, Math.Min(100, p)) : (int?)null,
                };

                if (root.TryGetProperty("videos", out var videos) && videos.ValueKind == JsonValueKind.Array)
                {
                    foreach (var video in videos.EnumerateArray())
                    {
                        if (video.ValueKind != JsonValueKind.Object)
                            continue;
                        var url = GetString(video, "video_url");
                        if (url != null && Uri.TryCreate(url, UriKind.Absolute, out var videoUri)
                            && (videoUri.Scheme == Uri.UriSchemeHttps || videoUri.Scheme == Uri.UriSchemeHttp))
                        {
                            state.VideoUrl = videoUri;
                            state.VideoUrlTtlSeconds = GetInt(video, "video_url_ttl");
                            state.VideoType = ServerText.Clean(NullIfEmpty(GetString(video, "video_type")), 40);
                            break;
                        }
                    }
                }

                if (root.TryGetProperty("extra", out var extra) && extra.ValueKind == JsonValueKind.Object)
                {
                    state.Seed = ServerText.Clean(NullIfEmpty(GetString(extra, "seed")), 80);
                    if (extra.TryGetProperty("debug_info", out var debug) && debug.ValueKind == JsonValueKind.Object)
                    {
                        state.SubmittedAt = GetEpochMs(debug, "submit_time_ms");
                        state.CompletedAt = GetEpochMs(debug, "complete_time_ms");
                    }
                }
                return state;
            }
        }

        /// <summary>Reads {"task_id": "..."} from a submit answer; null when absent.</summary>
        public static string? ParseTaskId(ReadOnlyMemory<byte> body)
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    return null;
                return NullIfEmpty(GetString(doc.RootElement, "task_id"));
            }
            catch (JsonException)
            {
                return null;
            }
        }

        public static HailuoTaskStatus MapStatus(string? status) => status switch
        {
            "TASK_STATUS_QUEUED" => HailuoTaskStatus.Queued,
            "TASK_STATUS_PROCESSING" => HailuoTaskStatus.Processing,
            "TASK_STATUS_SUCCEED" => HailuoTaskStatus.Succeeded,
            "TASK_STATUS_SUCCEEDED" => HailuoTaskStatus.Succeeded,
            "TASK_STATUS_FAILED" => HailuoTaskStatus.Failed,
            _ => HailuoTaskStatus.Unknown,
        };

        private static HailuoException Invalid(string message, Exception? inner = null) =>
            new HailuoException(ErrorIds.HailuoResponseInvalid, message, 200, retryable: true, inner: inner); // may be a passing proxy page

        private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

        /// <summary>A string, or a number written as its text; anything else is treated as absent.</summary>
        internal static string? GetString(JsonElement obj, string name)
        {
            if (!obj.TryGetProperty(name, out var v))
                return null;
            return v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Number => v.GetRawText(),
                _ => null,
            };
        }

        /// <summary>An integer given as a number or as a numeric string; fractions are rounded.</summary>
        internal static int? GetInt(JsonElement obj, string name)
        {
            if (!obj.TryGetProperty(name, out var v))
                return null;
            double d;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out d)) { }
            else if (v.ValueKind == JsonValueKind.String && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out d)) { }
            else return null;
            if (double.IsNaN(d) || d < int.MinValue || d > int.MaxValue)
                return null;
            return (int)Math.Round(d);
        }

        private static DateTimeOffset? GetEpochMs(JsonElement obj, string name)
        {
            var text = GetString(obj, name);
            if (text == null || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double ms) || ms <= 0)
                return null;
            // Reject values outside what DateTimeOffset can hold rather than throwing.
            if (ms > 253402300799000d)
                return null;
            return DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
        }
    }
}
