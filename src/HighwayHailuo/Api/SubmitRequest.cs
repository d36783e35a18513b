// One submission: its endpoint (model and mode), its documented fields, and the JSON body built
// from them with only the fields that endpoint takes.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using HighwayHailuo.Errors;
using HighwayHailuo.Images;
using HighwayHailuo.Catalogue;

namespace HighwayHailuo.Api
{
    /// <summary>A frame to send: a local file that passed every check, or a URL sent unchanged.</summary>
    internal sealed class RequestImage
    {
        public RequestImage(LocalImage local)
        {
            Local = local;
        }

        public RequestImage(Uri url)
        {
            Url = url;
        }

        public LocalImage? Local { get; }
        public Uri? Url { get; }

        /// <summary>As the HailuoTask reports it: the provider path or the URL as given.</summary>
        public string Source => Local?.Path ?? Url!.OriginalString;

        /// <summary>A one-line description for -WhatIf and verbose output.</summary>
        public string Describe() => Local != null ? Local.Describe() : Url!.OriginalString + " (URL, sent unchanged)";
    }

    /// <summary>
    /// A submission that passed the pre-flight. Only SubmissionPlanner builds one for the cmdlet, so
    /// the rules (the endpoint takes each frame and switch it carries) are checked there, once.
    /// </summary>
    internal sealed class SubmitRequest
    {
        public SubmitRequest(HailuoEndpoint endpoint, string prompt, RequestImage? firstFrame, RequestImage? lastFrame, int duration, string resolution,
            bool enablePromptExpansion, bool fastPretreatment)
        {
            Endpoint = endpoint;
            Prompt = prompt;
            FirstFrame = firstFrame;
            LastFrame = lastFrame;
            Duration = duration;
            Resolution = resolution;
            EnablePromptExpansion = enablePromptExpansion;
            FastPretreatment = fastPretreatment;
        }

        public HailuoEndpoint Endpoint { get; }
        public string Model => Endpoint.Model;
        public string Prompt { get; }
        public RequestImage? FirstFrame { get; }
        public RequestImage? LastFrame { get; }
        public int Duration { get; }
        public string Resolution { get; }
        public bool EnablePromptExpansion { get; }
        public bool FastPretreatment { get; }

        /// <summary>The first frame as the HailuoTask reports it; null for text to video.</summary>
        public string? SourceImage => FirstFrame?.Source;

        /// <summary>What names this submission in messages: its image, or its prompt for text to video.</summary>
        public string Describe() => FirstFrame?.Source ?? "text only: " + PromptPreview.Quoted(Prompt);

        /// <summary>
        /// A fresh body for one attempt; local images are streamed from disk as they are sent.
        /// <paramref name="sent"/> is told when the whole body was written, <paramref name="imageBytes"/>
        /// of each piece of an image (for progress).
        /// </summary>
        public HttpContent CreateContent(Action sent, Action<long>? imageBytes = null)
        {
            // Not a rule (the planner checked those): a value the body would leave out is a bug, and
            // sending without it would bill a different video than the one asked for.
            if ((FirstFrame != null) != Endpoint.TakesImage || (LastFrame != null && !Endpoint.TakesLastFrame) || (FastPretreatment && !Endpoint.TakesFastPretreatment))
                throw new HailuoException(ErrorIds.HailuoUnexpectedError, $"A request for {Endpoint.Name} holds a value that endpoint does not take (a bug in this module); nothing was sent.");
            var pieces = new List<object>();
            var text = new StringBuilder();
            foreach (var (name, value) in Fields())
            {
                text.Append(text.Length == 0 && pieces.Count == 0 ? "{" : ",").Append('"').Append(name).Append("\":");
                if (value is RequestImage { Local: LocalImage local })
                {
                    text.Append("\"data:").Append(local.Format.MimeType()).Append(";base64,");
                    pieces.Add(text.ToString());
                    pieces.Add(local);
                    text.Clear().Append('"');
                }
                else
                    text.Append(Json(value));
            }
            pieces.Add(text.Append('}').ToString());
            if (FirstFrame?.Local == null && LastFrame?.Local == null)
                return new ByteArrayJsonContent(Encoding.UTF8.GetBytes(string.Concat(pieces)), sent);
            return new DataUriJsonContent(pieces, sent, imageBytes);
        }

        /// <summary>The body as the Debug stream shows it: no image data, only its description.</summary>
        public string DescribeBody()
        {
            var text = new StringBuilder("{");
            foreach (var (name, value) in Fields())
            {
                if (text.Length > 1)
                    text.Append(',');
                text.Append('"').Append(name).Append("\":");
                text.Append(value is RequestImage { Local: LocalImage local }
                    ? JsonString("data:" + local.Format.MimeType() + ";base64,<" + local.Length.ToString("N0", CultureInfo.InvariantCulture) + " bytes>")
                    : Json(value));
            }
            return text.Append('}').ToString();
        }

        // The fields the endpoint's row names, in its order (a strict server refuses any other); a
        // frame that is not given is left out.
        private IEnumerable<(string Name, object Value)> Fields()
        {
            foreach (string field in Endpoint.Fields)
            {
                object? value = field switch
                {
                    "prompt" => Prompt,
                    "image" => FirstFrame,
                    "end_image" => LastFrame,
                    "duration" => Duration,
                    "resolution" => Resolution,
                    "enable_prompt_expansion" => EnablePromptExpansion,
                    "fast_pretreatment" => FastPretreatment,
                    _ => throw new InvalidOperationException("The model table names a field the request does not fill: " + field),
                };
                if (value != null)
                    yield return (field, value);
            }
        }

        private static string Json(object value) => value switch
        {
            string s => JsonString(s),
            bool b => b ? "true" : "false",
            int i => i.ToString(CultureInfo.InvariantCulture),
            RequestImage image => JsonString(image.Url!.OriginalString),
            _ => throw new ArgumentException("not a body value: " + value.GetType().Name),
        };

        // Relaxed escaping keeps Chinese camera commands readable; the body is JSON, never HTML.
        private static string JsonString(string value) =>
            "\"" + JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString() + "\"";
    }
}
