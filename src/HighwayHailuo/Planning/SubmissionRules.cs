// The rules a submission must pass before anything is sent: the model and its mode, the duration
// and resolution, and the prompt. SubmissionPlanner alone applies them, in the documented order.
// Each rule returns its failure as a HailuoException, or null.
using System;
using System.Globalization;
using System.Linq;
using HighwayHailuo.Api;
using HighwayHailuo.Errors;
using HighwayHailuo.Images;
using HighwayHailuo.Catalogue;

namespace HighwayHailuo.Planning
{
    internal static class SubmissionRules
    {
        /// <summary>
        /// What a -Duration that is not a whole number becomes while binding, so that a CSV row with
        /// "abc" reaches the item checks (and is named there) instead of failing PowerShell's binding.
        /// </summary>
        public const int NotAWholeNumber = int.MinValue;

        /// <summary>
        /// The model's own rules, from the table (HailuoModels): a name it knows, the mode (image or
        /// text), a last frame, and -FastPretreatment. Returns the first rule broken, else null and the endpoint.
        /// </summary>
        /// <summary>A model name the table does not know, wherever it was given (-Model, a price row).</summary>
        public static HailuoException UnknownModel(string? model) =>
            new HailuoException(ErrorIds.UnknownModel, string.Format(CultureInfo.InvariantCulture,
                "'{0}' is not a Hailuo model this module knows; use {1} or {2}.",
                model, string.Join(", ", HailuoModels.Names.Take(HailuoModels.Names.Count - 1)), HailuoModels.Names.Last()));

        public static HailuoException? ModelError(string? model, bool textOnly, bool lastFrame, bool fastPretreatment, out HailuoEndpoint? endpoint)
        {
            endpoint = null;
            string? name = HailuoModels.Canonical(model);
            if (name == null)
                return UnknownModel(model);
            endpoint = HailuoModels.Find(name, withImage: !textOnly);
            if (endpoint == null)
                return new HailuoException(ErrorIds.TextOnlyNotSupported, string.Format(CultureInfo.InvariantCulture,
                    "{0} makes videos from images only; for text to video (-TextOnly) use -Model {1}.",
                    name, string.Join(" or -Model ", HailuoModels.Offering(withImage: false))));
            if (lastFrame && textOnly)
                return LastFrameNeedsFirstFrame();
            if (lastFrame && !endpoint.TakesLastFrame)
                return new HailuoException(ErrorIds.LastFrameNotSupported, string.Format(CultureInfo.InvariantCulture,
                    "{0} takes no last frame; -LastFrame needs -Model {1}.",
                    name, string.Join(" or ", HailuoModels.Endpoints.Where(e => e.TakesLastFrame).Select(e => e.Model).Distinct())));
            if (fastPretreatment && !endpoint.TakesFastPretreatment)
                return new HailuoException(ErrorIds.FastPretreatmentNotSupported, string.Format(CultureInfo.InvariantCulture,
                    "{0} takes no fast_pretreatment, so -FastPretreatment cannot apply to it; leave the switch out.", name));
            return null;
        }

        /// <summary>A last frame with -TextOnly: the same whatever the model.</summary>
        public static HailuoException LastFrameNeedsFirstFrame() =>
            new HailuoException(ErrorIds.LastFrameNeedsFirstFrame,
                "A last frame (-LastFrame) needs a first frame: give an image (-Path) instead of -TextOnly.");

        /// <summary>A length the model table offers.</summary>
        public static HailuoException? DurationError(int duration) =>
            HailuoModels.Durations.Contains(duration) ? null
                : new HailuoException(ErrorIds.DurationNotSupported, string.Format(CultureInfo.InvariantCulture,
                    "{0}; Hailuo videos are {1} seconds long.",
                    duration == NotAWholeNumber ? "The duration is not a whole number of seconds" : "A video of " + duration.ToString(CultureInfo.InvariantCulture) + " seconds is not offered",
                    string.Join(" or ", HailuoModels.Durations)));

        /// <summary>A resolution the model table offers, in any casing; <paramref name="canonical"/> is its spelling there.</summary>
        public static HailuoException? ResolutionError(string? resolution, out string canonical)
        {
            canonical = HailuoModels.Resolutions.FirstOrDefault(r => string.Equals(r, resolution?.Trim(), StringComparison.OrdinalIgnoreCase)) ?? "";
            return canonical.Length > 0 ? null
                : new HailuoException(ErrorIds.ResolutionNotSupported, string.Format(CultureInfo.InvariantCulture,
                    "'{0}' is not a resolution Hailuo offers; use {1}.", resolution, string.Join(" or ", HailuoModels.Resolutions)));
        }

        /// <summary>
        /// The pair, from the row's formats (today: 10-second videos at 768P only); the message offers
        /// what the row makes at that resolution and at that length.
        /// </summary>
        public static HailuoException? DurationResolutionError(HailuoEndpoint endpoint, int duration, string resolution, bool nameModel = true)
        {
            if (endpoint.Allows(duration, resolution))
                return null;
            var atResolution = endpoint.Formats.Where(f => f.Resolution == resolution).Select(f => f.Seconds.ToString(CultureInfo.InvariantCulture)).ToList();
            var ofLength = endpoint.Formats.Where(f => f.Seconds == duration).Select(f => f.Resolution).ToList();
            string seconds = duration.ToString(CultureInfo.InvariantCulture);
            // Without a settled model (rows may name one) the message names none: it holds for every model of the mode.
            string model = nameModel ? endpoint.Model : "Hailuo";
            string made = ofLength.Count == 0
                ? $"{model} makes no {seconds}-second videos"
                : $"A {seconds}-second {(nameModel ? endpoint.Model + " " : "")}video is available at {string.Join(" or ", ofLength)} only";
            var ways = new[]
            {
                atResolution.Count == 0 ? null : $"-Duration {string.Join(" or ", atResolution)} for {resolution}",
                ofLength.Count == 0 ? null : $"-Resolution {string.Join(" or ", ofLength)} for {seconds} seconds",
            }.Where(w => w != null).ToList();
            return new HailuoException(ErrorIds.DurationResolutionMismatch, made + (ways.Count > 0
                ? "; use " + string.Join(" or ", ways) + "."
                : $"; it makes {string.Join(", ", endpoint.Formats)}."));
        }

        /// <summary>
        /// A prompt given, not blank and not an image's path or URL (as typed), and of 1 to 2000
        /// characters as sent (with the camera moves appended; the same text when there are none).
        /// </summary>
        public static HailuoException? PromptError(string? prompt, string? sent = null)
        {
            sent ??= prompt;
            if (prompt == null)
                return new HailuoException(ErrorIds.PromptMissing,
                    "No prompt was given; every video needs one: add -Prompt 'what the video shows' (or a Prompt column for rows).");
            if (string.IsNullOrWhiteSpace(prompt))
                return new HailuoException(ErrorIds.PromptEmpty, "The prompt is empty; every video needs a prompt of 1 to 2000 characters.");
            if (LooksLikeImagePath(prompt))
                return new HailuoException(ErrorIds.PromptLooksLikePath, string.Format(CultureInfo.InvariantCulture,
                    "The prompt '{0}' is the name of an image, not a description of a video. Give images with -Path (or pipe them) and describe the video with -Prompt; under -TextOnly every piped or positional string is a prompt.",
                    PromptPreview.Cut(prompt.Trim(), 120)));
            if (sent!.Length > ImageLimits.MaxPromptLength)
                return new HailuoException(ErrorIds.PromptTooLong, string.Format(CultureInfo.InvariantCulture,
                    "The prompt is {0:N0} characters{1}; the limit is {2:N0}.", sent.Length, sent.Length == prompt.Length ? "" : " with its camera moves", ImageLimits.MaxPromptLength));
            return null;
        }

        /// <summary>
        /// One word that ends like an image file, or a single http(s) or data URI: an image given in
        /// the wrong place (a path piped under -TextOnly, a positional path), never worth a paid video.
        /// </summary>
        public static bool LooksLikeImagePath(string prompt)
        {
            string text = prompt.Trim();
            if (text.Any(char.IsWhiteSpace))
                return false;
            return text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                || text.StartsWith("data:image/", StringComparison.OrdinalIgnoreCase)
                || ImageFormatExtensions.HasImageFileExtension(text);
        }
    }
}
