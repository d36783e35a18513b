// One line of a journal: a submission's identity (model, image content and parameters) and what became of it.
using System;
using System.Globalization;
using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;
using HighwayHailuo.Api;
using HighwayHailuo.Catalogue;

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
        /// <summary>The model; records written before models existed are Hailuo 2.3.</summary>
        public string Model { get; set; } = HailuoModels.Default;
        /// <summary>The first frame; null for text to video.</summary>
        public string? SourceImage { get; set; }
        /// <summary>SHA-256 of the image bytes (hex); null for an image URL, which is matched by the URL itself.</summary>
        public string? ImageSha256 { get; set; }
        /// <summary>The last frame (Hailuo 02), and the SHA-256 of its bytes when it is a local file.</summary>
        public string? LastFrame { get; set; }
        public string? LastFrameSha256 { get; set; }
        public string Prompt { get; set; } = "";
        public int Duration { get; set; }
        public string Resolution { get; set; } = "";
        public bool PromptExpansion { get; set; }
        public bool FastPretreatment { get; set; }
        public DateTimeOffset Time { get; set; }
        public string? Error { get; set; }

        /// <summary>
        /// What makes two submissions the same: model, image content (or URL, or none), last frame,
        /// final prompt, duration, resolution and both switches. A Hailuo 2.3 image-to-video
        /// submission keeps the identity it had before models existed, so its claim lock is the same.
        /// </summary>
        public string Identity
        {
            get
            {
                string image = SourceImage == null ? "text" : ImageSha256 != null ? "sha256:" + ImageSha256 : "url:" + SourceImage;
                string identity = string.Join("\n", image,
                    Prompt, Duration.ToString(CultureInfo.InvariantCulture), Resolution,
                    PromptExpansion ? "expand" : "literal", FastPretreatment ? "fast" : "full");
                if (Model != HailuoModels.Default || SourceImage == null)
                    identity += "\nmodel:" + Model;
                if (LastFrame != null)
                    identity += "\nlast:" + (LastFrameSha256 != null ? "sha256:" + LastFrameSha256 : "url:" + LastFrame);
                return identity;
            }
        }

        public static JournalRecord For(SubmitRequest request, JournalState state) => new JournalRecord
        {
            State = state,
            Model = request.Model,
            SourceImage = request.SourceImage,
            ImageSha256 = request.FirstFrame?.Local?.ContentSha256,
            LastFrame = request.LastFrame?.Source,
            LastFrameSha256 = request.LastFrame?.Local?.ContentSha256,
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
        public HailuoTask ToTask() => TaskSnapshots.Local(TaskId!, Model, SourceImage, LastFrame, Prompt, Duration, Resolution, Time, Time);

        /// <summary>What names the submission in messages: its image, or its prompt for text to video.</summary>
        public string Describe() => SourceImage ?? "text only: " + PromptPreview.Quoted(Prompt);

        public byte[] ToJsonLine()
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer, s_writerOptions))
            {
                json.WriteStartObject();
                json.WriteString("state", StateName(State));
                if (TaskId != null)
                    json.WriteString("taskId", TaskId);
                json.WriteString("model", Model);
                if (SourceImage != null)
                    json.WriteString("sourceImage", SourceImage);
                if (ImageSha256 != null)
                    json.WriteString("imageSha256", ImageSha256);
                if (LastFrame != null)
                    json.WriteString("lastFrame", LastFrame);
                if (LastFrameSha256 != null)
                    json.WriteString("lastFrameSha256", LastFrameSha256);
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

        /// <summary>Reads one record line; null for a state or model this version does not know (a newer writer's).</summary>
        public static JournalRecord? Parse(JsonElement line)
        {
            if (line.ValueKind != JsonValueKind.Object)
                throw new FormatException("a line is not a JSON object");
            string state = Required(line, "state");
            var parsed = ParseState(state);
            // A model this version does not know is a newer writer's submission, which it cannot match either.
            string? model = line.TryGetProperty("model", out _) ? HailuoModels.Canonical(Optional(line, "model")) : HailuoModels.Default;
            if (parsed == null || model == null)
                return null;
            var record = new JournalRecord
            {
                State = parsed.Value,
                TaskId = Optional(line, "taskId"),
                Model = model,
                SourceImage = Optional(line, "sourceImage"),
                ImageSha256 = Optional(line, "imageSha256"),
                LastFrame = Optional(line, "lastFrame"),
                LastFrameSha256 = Optional(line, "lastFrameSha256"),
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
            if (record.SourceImage == null && HailuoModels.Find(record.Model, withImage: false) == null)
                throw new FormatException("'sourceImage' is missing");
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
