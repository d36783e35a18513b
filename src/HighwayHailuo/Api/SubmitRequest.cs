// The six documented fields of one submission, and the JSON body built from them.
using System;
using System.Globalization;
using System.Net.Http;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using HighwayHailuo.Images;

namespace HighwayHailuo.Api
{
    internal sealed class SubmitRequest
    {
        public SubmitRequest(string prompt, LocalImage? localImage, Uri? imageUrl, int duration, string resolution,
            bool enablePromptExpansion, bool fastPretreatment)
        {
            if ((localImage == null) == (imageUrl == null))
                throw new ArgumentException("Exactly one of localImage and imageUrl is required.");
            Prompt = prompt;
            LocalImage = localImage;
            ImageUrl = imageUrl;
            Duration = duration;
            Resolution = resolution;
            EnablePromptExpansion = enablePromptExpansion;
            FastPretreatment = fastPretreatment;
        }

        public string Prompt { get; }
        public LocalImage? LocalImage { get; }
        public Uri? ImageUrl { get; }
        public int Duration { get; }
        public string Resolution { get; }
        public bool EnablePromptExpansion { get; }
        public bool FastPretreatment { get; }

        /// <summary>The source image as the HailuoTask reports it: the provider path or the URL as given.</summary>
        public string SourceImage => LocalImage?.Path ?? ImageUrl!.OriginalString;

        /// <summary>
        /// Whether the latest attempt's body was written out whole. A request cancelled before that
        /// cannot have created a task (the server never had a complete body); after it, it might have.
        /// </summary>
        public bool LastBodySent => _lastBodySent;
        private volatile bool _lastBodySent;

        /// <summary>A fresh body for one attempt; the image is streamed from disk as it is sent.</summary>
        public HttpContent CreateContent()
        {
            _lastBodySent = false;
            Action sent = () => _lastBodySent = true;
            // The image goes last but one so the body can be written as prefix + image + suffix.
            string prefix = "{\"prompt\":" + JsonString(Prompt) + ",\"image\":";
            string suffix = string.Format(CultureInfo.InvariantCulture,
                ",\"duration\":{0},\"resolution\":{1},\"enable_prompt_expansion\":{2},\"fast_pretreatment\":{3}}}",
                Duration, JsonString(Resolution), EnablePromptExpansion ? "true" : "false", FastPretreatment ? "true" : "false");
            if (LocalImage != null)
                return new DataUriJsonContent(prefix + "\"data:" + LocalImage.Format.MimeType() + ";base64,", LocalImage, "\"" + suffix, sent);
            return new ByteArrayJsonContent(Encoding.UTF8.GetBytes(prefix + JsonString(ImageUrl!.OriginalString) + suffix), sent);
        }

        /// <summary>The body as the Debug stream shows it: no image data, only its description.</summary>
        public string DescribeBody()
        {
            string image = LocalImage != null
                ? "data:" + LocalImage.Format.MimeType() + ";base64,<" + LocalImage.Length.ToString("N0", CultureInfo.InvariantCulture) + " bytes>"
                : ImageUrl!.OriginalString;
            return "{\"prompt\":" + JsonString(Prompt) + ",\"image\":" + JsonString(image) + string.Format(CultureInfo.InvariantCulture,
                ",\"duration\":{0},\"resolution\":{1},\"enable_prompt_expansion\":{2},\"fast_pretreatment\":{3}}}",
                Duration, JsonString(Resolution), EnablePromptExpansion ? "true" : "false", FastPretreatment ? "true" : "false");
        }

        // Relaxed escaping keeps Chinese camera commands readable; the body is JSON, never HTML.
        private static string JsonString(string value) =>
            "\"" + JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString() + "\"";
    }
}
