// One line of a journal: a submission's identity (image content and parameters) and what became of it.
using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using HighwayHailuo.Api;

namespace HighwayHailuo.Journal
{
    internal enum JournalState
    {
        /// <summary>Written before the request is sent: on its own, the outcome is unknown.</summary>
        Submitting,
        /// <summary>The server created the task; TaskId is set.</summary>
        Submitted,
        /// <summary>The request may or may not have created a task.</summary>
        Unknown,
        /// <summary>The server provably did not create a task (refused, rate limited, cancelled before sending).</summary>
        NotSubmitted,
    }

    internal sealed class JournalRecord
    {
        private static readonly JsonWriterOptions s_writerOptions = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        public JournalState State { get; set; }
        public string? TaskId { get; set; }
        public string SourceImage { get; set; } = "";
        /// <summary>SHA-256 of the image bytes (hex); null for an image URL, which is matched by the URL itself.</summary>
        public string? ImageSha256 { get; set; }
        public string Prompt { get; set; } = "";
        public int Duration { get; set; }
        public string Resolution { get; set; } = "";
        public bool PromptExpansion { get; set; }
        public bool FastPretreatment { get; set; }
        public DateTimeOffset Time { get; set; }
        public string? Error { get; set; }

        /// <summary>What makes two submissions the same: image content (or URL), final prompt, duration, resolution and both switches.</summary>
        public string Identity => string.Join("\n",
            ImageSha256 != null ? "sha256:" + ImageSha256 : "url:" + SourceImage,
            Prompt, Duration.ToString(CultureInfo.InvariantCulture), Resolution,
            PromptExpansion ? "expand" : "literal", FastPretreatment ? "fast" : "full");

        public static JournalRecord For(SubmitRequest request, JournalState state) => new JournalRecord
        {
            State = state,
            SourceImage = request.SourceImage,
            ImageSha256 = request.LocalImage != null ? HashFile(request.LocalImage.Path) : null,
            Prompt = request.Prompt,
            Duration = request.Duration,
            Resolution = request.Resolution,
            PromptExpansion = request.EnablePromptExpansion,
            FastPretreatment = request.FastPretreatment,
            Time = DateTimeOffset.UtcNow,
        };

        public JournalRecord With(JournalState state, string? taskId = null, string? error = null)
        {
            var copy = (JournalRecord)MemberwiseClone();
            copy.State = state;
            copy.TaskId = taskId;
            copy.Error = error;
            copy.Time = DateTimeOffset.UtcNow;
            return copy;
        }

        /// <summary>The task this record stands for, as New-HailuoVideo would have written it.</summary>
        public HailuoTask ToTask() => TaskSnapshots.Local(TaskId!, SourceImage, Prompt, Duration, Resolution, Time, Time);

        private static string HashFile(string path)
        {
            using var sha = SHA256.Create();
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.SequentialScan);
            var hash = sha.ComputeHash(stream);
            var text = new StringBuilder(hash.Length * 2);
            foreach (byte b in hash)
                text.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            return text.ToString();
        }

        public byte[] ToJsonLine()
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer, s_writerOptions))
            {
                json.WriteStartObject();
                json.WriteString("state", StateName(State));
                if (TaskId != null)
                    json.WriteString("taskId", TaskId);
                json.WriteString("sourceImage", SourceImage);
                if (ImageSha256 != null)
                    json.WriteString("imageSha256", ImageSha256);
                json.WriteString("prompt", Prompt);
                json.WriteNumber("duration", Duration);
                json.WriteString("resolution", Resolution);
                json.WriteBoolean("promptExpansion", PromptExpansion);
                json.WriteBoolean("fastPretreatment", FastPretreatment);
                json.WriteString("time", Time.UtcDateTime.ToString("o", CultureInfo.InvariantCulture));
                if (Error != null)
                    json.WriteString("error", Error);
                json.WriteEndObject();
            }
            buffer.WriteByte((byte)'\n');
            return buffer.ToArray();
        }

        /// <summary>Reads one record line; null for a state this version does not know (a newer writer's).</summary>
        public static JournalRecord? Parse(JsonElement line)
        {
            if (line.ValueKind != JsonValueKind.Object)
                throw new FormatException("a line is not a JSON object");
            string state = Required(line, "state");
            var parsed = ParseState(state);
            if (parsed == null)
                return null;
            var record = new JournalRecord
            {
                State = parsed.Value,
                TaskId = Optional(line, "taskId"),
                SourceImage = Required(line, "sourceImage"),
                ImageSha256 = Optional(line, "imageSha256"),
                Prompt = Required(line, "prompt"),
                Duration = line.TryGetProperty("duration", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetInt32() : throw new FormatException("'duration' is missing"),
                Resolution = Required(line, "resolution"),
                PromptExpansion = line.TryGetProperty("promptExpansion", out var e) && e.ValueKind == JsonValueKind.True,
                FastPretreatment = line.TryGetProperty("fastPretreatment", out var f) && f.ValueKind == JsonValueKind.True,
                Time = DateTimeOffset.Parse(Required(line, "time"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                Error = Optional(line, "error"),
            };
            if (record.State == JournalState.Submitted && string.IsNullOrEmpty(record.TaskId))
                throw new FormatException("a submitted record has no 'taskId'");
            return record;
        }

        private static string Required(JsonElement line, string name) =>
            Optional(line, name) ?? throw new FormatException($"'{name}' is missing");

        private static string? Optional(JsonElement line, string name) =>
            line.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        private static string StateName(JournalState state) => state switch
        {
            JournalState.Submitting => "submitting",
            JournalState.Submitted => "submitted",
            JournalState.Unknown => "unknown",
            _ => "not-submitted",
        };

        private static JournalState? ParseState(string name) => name switch
        {
            "submitting" => JournalState.Submitting,
            "submitted" => JournalState.Submitted,
            "unknown" => JournalState.Unknown,
            "not-submitted" => JournalState.NotSubmitted,
            _ => null,
        };
    }
}
