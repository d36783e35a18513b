// New-HailuoVideo: checks each image fully, then submits one paid task per image, several at a time.
using System;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using HighwayHailuo.Api;
using HighwayHailuo.Images;
using HighwayHailuo.Infrastructure;

namespace HighwayHailuo.Commands
{
    /// <summary>
    /// <para type="synopsis">Submits image-to-video tasks to the Minimax Hailuo 2.3 model, one per image.</para>
    /// </summary>
    // LiteralPath is the default set on purpose: pipeline binding tries the default set first, so an
    // object with a PSPath (Get-ChildItem output) binds to -LiteralPath by property name before
    // PowerShell would coerce the whole object to a string for -Path. Strings and CSV rows (Path or
    // Url column) do not fit the LiteralPath set and fall through to -Path.
    [Cmdlet(VerbsCommon.New, "HailuoVideo", DefaultParameterSetName = LiteralPathSet,
        SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(HailuoTask))]
    public sealed class NewHailuoVideoCommand : HighwayCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        private ItemRunner? _runner;

        /// <summary>
        /// <para type="description">Local image files (wildcards allowed) or public http/https image URLs, which are sent unchanged.</para>
        /// </summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ImageUri", "Url")]
        [ImagePathTransformation]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>
        /// <para type="description">Local image files, taken exactly as written (no wildcards). Binds Get-ChildItem output.</para>
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>
        /// <para type="description">What the video should show, 1 to 2000 characters. May contain camera commands such as [推进].</para>
        /// </summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        public string Prompt { get; set; } = "";

        /// <summary>
        /// <para type="description">The video length in seconds: 6 (default) or 10. 10-second videos are 768P only.</para>
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateSet("6", "10")]
        public int Duration { get; set; } = 6;

        /// <summary>
        /// <para type="description">The video resolution: 768P (default) or 1080P, case-insensitive. 1080P allows 6-second videos only.</para>
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateSet("768P", "1080P", IgnoreCase = true)]
        public string Resolution { get; set; } = "768P";

        /// <summary>
        /// <para type="description">Sends the prompt as written, without the service's prompt optimisation.</para>
        /// </summary>
        [Parameter]
        public SwitchParameter NoPromptExpansion { get; set; }

        /// <summary>
        /// <para type="description">Shortens the service's prompt optimisation.</para>
        /// </summary>
        [Parameter]
        public SwitchParameter FastPretreatment { get; set; }

        /// <summary>
        /// <para type="description">How many submissions may be in flight at once (default 4).</para>
        /// </summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 4;

        private protected override int RequestLimit => ThrottleLimit;

        private protected override void Begin()
        {
            // Values given on the command line apply to every item: a bad combination there is one
            // terminating error before any input is read. Values from pipeline rows are checked per row.
            var bound = MyInvocation.BoundParameters;
            if (bound.ContainsKey(nameof(Duration)) && bound.ContainsKey(nameof(Resolution)) && DurationResolutionError(Duration, Resolution) is InputValidationException mismatch)
                ThrowTerminatingError(HighwayErrors.From(mismatch, null));
            if (bound.ContainsKey(nameof(Prompt)) && PromptError(Prompt) is InputValidationException badPrompt)
                ThrowTerminatingError(HighwayErrors.From(badPrompt, null));
            _runner = new ItemRunner(Dispatcher, ThrottleLimit);
        }

        private protected override void Process()
        {
            bool literal = ParameterSetName == LiteralPathSet;
            // Pipeline rows rebind these per record, so capture them now for the background work.
            string prompt = Prompt;
            int duration = Duration;
            string resolution = NormaliseResolution(Resolution);

            foreach (var raw in literal ? LiteralPath : Path)
            {
                foreach (var input in ImageInputResolver.Resolve(raw, literal, SessionState.Path))
                {
                    SubmitRequest? request = Check(input, prompt, duration, resolution, out string description);
                    if (request == null)
                        continue;
                    if (!ShouldProcess(description, string.Format(CultureInfo.InvariantCulture, "Submit a paid {0} s {1} image-to-video task", duration, resolution)))
                        continue;
                    var client = RequireClient();
                    object target = input.Target;
                    _runner!.Start(() => SubmitAsync(client, request, target));
                }
            }
            _runner!.Flush();
        }

        private protected override void End() => _runner?.WaitAll();

        /// <summary>Pre-flight checks in the documented order; writes the first failure and returns null.</summary>
        private SubmitRequest? Check(ImageInput input, string prompt, int duration, string resolution, out string description)
        {
            description = input.LocalPath ?? input.Url?.OriginalString ?? "";
            try
            {
                if (input.Error != null)
                    throw input.Error;
                LocalImage? image = input.LocalPath != null ? LocalImage.Inspect(input.LocalPath) : null;
                if (DurationResolutionError(duration, resolution) is InputValidationException mismatch)
                    throw mismatch;
                if (PromptError(prompt) is InputValidationException badPrompt)
                    throw badPrompt;
                description = image != null ? image.Describe() : input.Url!.OriginalString + " (URL, sent unchanged)";
                return new SubmitRequest(prompt, image, image == null ? input.Url : null, duration, resolution,
                    enablePromptExpansion: !NoPromptExpansion, fastPretreatment: FastPretreatment);
            }
            catch (InputValidationException ex)
            {
                WriteError(HighwayErrors.From(ex, input.Target));
                return null;
            }
        }

        private async System.Threading.Tasks.Task SubmitAsync(HighwayClient client, SubmitRequest request, object target)
        {
            try
            {
                var submittedAt = DateTimeOffset.UtcNow;
                string taskId = await client.SubmitAsync(request, CancelToken).ConfigureAwait(false);
                var task = new HailuoTask(taskId)
                {
                    Status = HailuoTaskStatus.Queued,
                    SourceImage = request.SourceImage,
                    Prompt = request.Prompt,
                    Duration = request.Duration,
                    Resolution = request.Resolution,
                    SubmittedAt = submittedAt,
                    LastUpdated = DateTimeOffset.UtcNow,
                };
                Dispatcher.Post(() =>
                {
                    Session.Remember(task);
                    WriteObject(task);
                });
            }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                PostItemError(ex, target);
            }
        }

        private static string NormaliseResolution(string resolution) =>
            resolution.Trim().ToUpperInvariant() == "1080P" ? "1080P" : "768P";

        private static InputValidationException? DurationResolutionError(int duration, string resolution) =>
            duration == 10 && NormaliseResolution(resolution) == "1080P"
                ? new InputValidationException(ErrorIds.DurationResolutionMismatch, ErrorCategory.InvalidArgument,
                    "A 10-second video is available at 768P only; use -Duration 6 for 1080P or -Resolution 768P for 10 seconds.")
                : null;

        private static InputValidationException? PromptError(string prompt) =>
            prompt.Length > ImageLimits.MaxPromptLength
                ? new InputValidationException(ErrorIds.PromptTooLong, ErrorCategory.InvalidArgument,
                    string.Format(CultureInfo.InvariantCulture, "The prompt is {0:N0} characters; the limit is {1:N0}.", prompt.Length, ImageLimits.MaxPromptLength))
                : null;
    }
}
