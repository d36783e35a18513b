// The one pre-flight of New-HailuoVideo: every rule an item must pass before it may be sent, applied
// in the documented order (image, model and mode, duration, resolution, their pair, prompt, last
// frame), once per item. The command line's values are checked once before the first item with the
// same rules, as far as they are settled; the cmdlet only writes what comes out.
using System;
using System.Collections.Generic;
using System.Linq;
using HighwayHailuo.Api;
using HighwayHailuo.Catalogue;
using HighwayHailuo.Errors;
using HighwayHailuo.Images;

namespace HighwayHailuo.Planning
{
    /// <summary>What holds for every item of one call.</summary>
    internal sealed class CallOptions
    {
        public bool TextOnly { get; set; }
        public bool FastPretreatment { get; set; }
        public bool EnablePromptExpansion { get; set; } = true;

        /// <summary>Hash local images while checking them (a journal needs their content's SHA-256).</summary>
        public bool HashImages { get; set; }
    }

    /// <summary>A broken rule: the error, what it names, and the item parameters the rule read.</summary>
    internal sealed class PlanFailure
    {
        public PlanFailure(HailuoException error, object? target, IReadOnlyList<string> reads)
        {
            Error = error;
            Target = target;
            Reads = reads;
        }

        public HailuoException Error { get; }
        public object? Target { get; }

        /// <summary>The item parameters the broken rule read; none for the image's own checks.</summary>
        public IReadOnlyList<string> Reads { get; }
    }

    /// <summary>One item's plan: the request to send, or the first rule it breaks.</summary>
    internal sealed class Plan
    {
        public Plan(SubmitRequest? request, PlanFailure? failure, string description, bool endsTheCall)
        {
            Request = request;
            Failure = failure;
            Description = description;
            EndsTheCall = endsTheCall;
        }

        public SubmitRequest? Request { get; }
        public PlanFailure? Failure { get; }

        /// <summary>What -WhatIf and messages call the item.</summary>
        public string Description { get; }

        /// <summary>
        /// The failure came from values no item brought (the command line's, or the defaults): every
        /// item would fail the same way, so the call stops once instead of refusing each.
        /// </summary>
        public bool EndsTheCall { get; }
    }

    internal sealed class SubmissionPlanner
    {
        private static readonly string[] s_image = Array.Empty<string>();
        private static readonly string[] s_model = { ItemValues.ModelParameter, ItemValues.LastFrameParameter };
        private static readonly string[] s_duration = { ItemValues.DurationParameter };
        private static readonly string[] s_resolution = { ItemValues.ResolutionParameter };
        private static readonly string[] s_pair = { ItemValues.DurationParameter, ItemValues.ResolutionParameter, ItemValues.ModelParameter };
        private static readonly string[] s_prompt = { ItemValues.PromptParameter };
        private static readonly string[] s_lastFrame = { ItemValues.LastFrameParameter };

        private readonly CallOptions _options;
        private readonly Func<string, ImageInput> _resolveLastFrame;
        private RequestImage? _commandLineLastFrame;

        /// <param name="options">What holds for every item of the call.</param>
        /// <param name="resolveLastFrame">Turns a -LastFrame value into a file or URL (the session's paths).</param>
        public SubmissionPlanner(CallOptions options, Func<string, ImageInput> resolveLastFrame)
        {
            _options = options;
            _resolveLastFrame = resolveLastFrame;
        }

        /// <summary>
        /// The rules the command line settles before any input is read: <paramref name="settled"/>
        /// says whether a parameter's value is final (given on the command line, or nothing is piped);
        /// <paramref name="promptSettled"/> whether the prompt is. A last frame given on the command
        /// line is checked here once, and reused for every item. Returns the first failure, or null.
        /// </summary>
        public PlanFailure? CheckCommandLine(ItemValues values, Func<string, bool> settled, bool promptSettled, bool lastFrameGiven)
        {
            bool modelSettled = settled(ItemValues.ModelParameter);
            if (modelSettled)
            {
                bool lastFrame = settled(ItemValues.LastFrameParameter) && values.LastFrame != null;
                if (SubmissionRules.ModelError(values.Model, _options.TextOnly, lastFrame, _options.FastPretreatment, out _) is HailuoException ruleBroken)
                    return new PlanFailure(ruleBroken, values.Model, s_model);
            }
            else if (_options.TextOnly && values.LastFrame != null && lastFrameGiven)
            {
                return new PlanFailure(SubmissionRules.LastFrameNeedsFirstFrame(), values.LastFrame, s_lastFrame); // whatever model a row names
            }
            if (settled(ItemValues.DurationParameter) && SubmissionRules.DurationError(values.Duration) is HailuoException badDuration)
                return new PlanFailure(badDuration, values.Duration, s_duration);
            if (settled(ItemValues.ResolutionParameter) && SubmissionRules.ResolutionError(values.Resolution, out _) is HailuoException badResolution)
                return new PlanFailure(badResolution, values.Resolution, s_resolution);
            if (settled(ItemValues.DurationParameter) && settled(ItemValues.ResolutionParameter) && PairError(values, modelSettled) is HailuoException mismatch)
                return new PlanFailure(mismatch, null, s_pair);
            if (promptSettled && SubmissionRules.PromptError(values.Typed, values.Prompt) is HailuoException badPrompt)
                return new PlanFailure(badPrompt, values.Typed, s_prompt);
            // A last frame on the command line ends every video: a bad one is one error, not one per image.
            if (!_options.TextOnly && lastFrameGiven && values.LastFrame != null)
            {
                try
                {
                    _commandLineLastFrame = InspectLastFrame(values.LastFrame);
                }
                catch (HailuoException ex)
                {
                    return new PlanFailure(ex, values.LastFrame, s_lastFrame);
                }
            }
            return null;
        }

        /// <summary>
        /// One item: its image (null under -TextOnly) and values, through every rule in order. The
        /// plan holds the request, or the first failure and whether it ends the call.
        /// </summary>
        public Plan PlanItem(ImageInput? input, ItemValues item)
        {
            object target = input?.Target ?? (object)(item.Prompt ?? "");
            string description = input == null ? TextOnlyDescription(item.Prompt ?? "") : input.LocalPath ?? input.Url?.OriginalString ?? "";
            string[] reads = s_image;
            try
            {
                if (input?.Error != null)
                    throw input.Error;
                RequestImage? first = input == null ? null : Inspect(input);
                reads = s_model;
                if (SubmissionRules.ModelError(item.Model, _options.TextOnly, item.LastFrame != null, _options.FastPretreatment, out var endpoint) is HailuoException ruleBroken)
                    throw ruleBroken;
                reads = s_duration;
                if (SubmissionRules.DurationError(item.Duration) is HailuoException badDuration)
                    throw badDuration;
                reads = s_resolution;
                if (SubmissionRules.ResolutionError(item.Resolution, out string resolution) is HailuoException badResolution)
                    throw badResolution;
                reads = s_pair;
                if (SubmissionRules.DurationResolutionError(endpoint!, item.Duration, resolution) is HailuoException mismatch)
                    throw mismatch;
                reads = s_prompt;
                if (SubmissionRules.PromptError(item.Typed, item.Prompt) is HailuoException badPrompt)
                    throw badPrompt;
                reads = s_lastFrame;
                RequestImage? last = item.LastFrame == null ? null
                    : !item.Brings(ItemValues.LastFrameParameter) && _commandLineLastFrame != null ? _commandLineLastFrame
                    : InspectLastFrame(item.LastFrame);
                if (first != null)
                    description = first.Describe() + (last == null ? "" : ", ending on " + last.Describe());
                var request = new SubmitRequest(endpoint!, item.Prompt!, first, last, item.Duration, resolution,
                    enablePromptExpansion: _options.EnablePromptExpansion, fastPretreatment: _options.FastPretreatment);
                return new Plan(request, null, description, endsTheCall: false);
            }
            catch (HailuoException ex)
            {
                bool endsTheCall = reads.Length > 0 && !reads.Any(item.Brings);
                return new Plan(null, new PlanFailure(ex, target, reads), description, endsTheCall);
            }
        }

        /// <summary>What names a text-only item: its prompt, quoted and cut.</summary>
        public static string TextOnlyDescription(string prompt) => PromptPreview.Quoted(prompt) + " (text only)";

        // The pair rule needs a known length and resolution (the rules before it say which is wrong).
        // Without a settled model it is settled all the same when no model of the mode offers the pair.
        private HailuoException? PairError(ItemValues item, bool modelSettled)
        {
            if (SubmissionRules.DurationError(item.Duration) != null || SubmissionRules.ResolutionError(item.Resolution, out string resolution) != null)
                return null;
            var endpoints = modelSettled
                ? new[] { SubmissionRules.ModelError(item.Model, _options.TextOnly, false, false, out var endpoint) == null ? endpoint! : null }
                : HailuoModels.Endpoints.Where(e => e.TakesImage == !_options.TextOnly).ToArray();
            var broken = endpoints.Select(e => e == null ? null : SubmissionRules.DurationResolutionError(e, item.Duration, resolution, nameModel: modelSettled)).ToList();
            return broken.All(b => b != null) ? broken[0] : null;
        }

        private RequestImage Inspect(ImageInput input) =>
            input.LocalPath != null ? new RequestImage(LocalImage.Inspect(input.LocalPath, hashContent: _options.HashImages)) : new RequestImage(input.Url!);

        /// <summary>The last frame, resolved and checked exactly like a first image; its errors name it as the last frame.</summary>
        private RequestImage InspectLastFrame(string raw)
        {
            var input = _resolveLastFrame(raw);
            try
            {
                if (input.Error != null)
                    throw input.Error;
                return Inspect(input);
            }
            catch (HailuoException ex)
            {
                throw ex.WithMessage("Last frame: " + ex.Message, ex.RetryAfter);
            }
        }
    }
}
