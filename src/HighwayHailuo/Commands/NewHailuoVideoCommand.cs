// New-HailuoVideo: checks each image fully, then submits one paid task per image, several at a time.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using HighwayHailuo.Api;
using HighwayHailuo.Images;
using HighwayHailuo.Journal;
using HighwayHailuo.Errors;
using HighwayHailuo.Hosting;

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
        private TaskJournal? _journal;
        private JournaledSubmitter? _submitter;
        private readonly HashSet<string> _warnedPrompts = new HashSet<string>(StringComparer.Ordinal);
        // -WhatIf: what would have been sent, for the closing summary line.
        private readonly SortedDictionary<string, int> _whatIfByResolution = new SortedDictionary<string, int>(StringComparer.Ordinal);
        private int _whatIfSeconds;

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
        /// <para type="description">Up to three camera moves, in English. They are appended to the prompt after one space as one group of the model's Chinese commands: -CameraMovement PushIn, PanLeft adds " [推进,左摇]". The prompt length limit applies to the prompt with them.</para>
        /// </summary>
        [Parameter]
        public HailuoCameraMovement[]? CameraMovement { get; set; }

        /// <summary>
        /// <para type="description">The video length in seconds: 6 (default) or 10. 10-second videos are 768P only.</para>
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateSet("6", "10")]
        [BlankCellAsDefault(6)]
        public int Duration { get; set; } = 6;

        /// <summary>
        /// <para type="description">The video resolution: 768P (default) or 1080P, case-insensitive. 1080P allows 6-second videos only.</para>
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateSet("768P", "1080P", IgnoreCase = true)]
        [BlankCellAsDefault("768P")]
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

        /// <summary>
        /// <para type="description">A journal file (JSON lines) that records every submission before its task is written out. Run the same command again with the same journal and images already submitted with the same prompt, duration, resolution and switches are not sent again: their recorded tasks are written instead. Created when missing.</para>
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Journal { get; set; }

        /// <summary>
        /// <para type="description">With -Journal: submits again the images whose earlier submission has an unknown outcome (it may or may not have created a task). Without -Force they are reported as HailuoSubmitOutcomeUnknown and not sent.</para>
        /// </summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        private protected override int RequestLimit => ThrottleLimit;

        private protected override void Begin()
        {
            // Values given on the command line apply to every item: a bad combination there is one
            // terminating error before any input is read. Values from pipeline rows are checked per row.
            var bound = MyInvocation.BoundParameters;
            if (CameraMovement != null && CameraMovement.Length > CameraCommands.MaxPerPrompt)
                ThrowTerminatingError(HailuoErrors.Record(ErrorIds.TooManyCameraMovements,
                    string.Format(CultureInfo.InvariantCulture, "{0} camera moves were given ({1}); the model follows at most {2} at once.",
                        CameraMovement.Length, string.Join(", ", CameraMovement), CameraCommands.MaxPerPrompt), CameraMovement));
            if (bound.ContainsKey(nameof(Duration)) && bound.ContainsKey(nameof(Resolution)) && DurationResolutionError(Duration, Resolution) is HailuoException mismatch)
                ThrowTerminatingError(HailuoErrors.Record(mismatch, null));
            if (bound.ContainsKey(nameof(Prompt)) && PromptError(CameraCommands.Append(Prompt, CameraMovement)) is HailuoException badPrompt)
                ThrowTerminatingError(HailuoErrors.Record(badPrompt, null));
            if (Journal != null)
                _journal = OpenJournal(Journal);
            _submitter = new JournaledSubmitter(_journal, Force, Log);
            _runner = new ItemRunner(Dispatcher, Background, ThrottleLimit);
        }

        private TaskJournal OpenJournal(string path)
        {
            string full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            try
            {
                if (Directory.Exists(full) || !Directory.Exists(System.IO.Path.GetDirectoryName(full)))
                    throw new HailuoException(ErrorIds.JournalWriteFailed,
                        $"The journal '{full}' cannot be written: {(Directory.Exists(full) ? "it is a folder" : "its folder does not exist")}. Nothing was sent.");
                var journal = TaskJournal.Open(full, create: true);
                if (journal.Warning != null)
                    WriteWarning(journal.Warning);
                return journal;
            }
            catch (HailuoException ex)
            {
                ThrowTerminatingError(HailuoErrors.Record(ex, path));
                throw; // not reached
            }
        }

        // Ctrl+C: give the submissions in flight a moment to record their outcome in the journal,
        // so a resume knows which were sent. Without a journal there is nothing to wait for.
        private protected override void OnStopping()
        {
            if (_journal == null || _runner == null)
                return;
            var deadline = DateTime.UtcNow.AddSeconds(2);
            while (_runner.InFlight > 0 && DateTime.UtcNow < deadline)
                Thread.Sleep(10);
        }

        private protected override void Process()
        {
            bool literal = ParameterSetName == LiteralPathSet;
            // Pipeline rows rebind these per record, so capture them now for the background work.
            string prompt = CameraCommands.Append(Prompt, CameraMovement);
            WarnOfEnglishCameraWords(Prompt);
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
                    {
                        if (IsWhatIf)
                        {
                            _whatIfByResolution.TryGetValue(resolution, out int count);
                            _whatIfByResolution[resolution] = count + 1;
                            _whatIfSeconds += duration;
                        }
                        continue;
                    }
                    var client = RequireClient();
                    object target = input.Target;
                    _runner!.Start(() => SubmitAsync(client, request, target));
                }
            }
            _runner!.Flush();
        }

        private protected override void End()
        {
            _runner?.WaitAll();
            if (_whatIfByResolution.Count > 0)
            {
                int videos = _whatIfByResolution.Values.Sum();
                string summary = string.Format(CultureInfo.InvariantCulture, "What if: {0} video{1}, {2} s of video in total ({3}). Nothing was sent.",
                    videos, videos == 1 ? "" : "s", _whatIfSeconds,
                    string.Join(", ", _whatIfByResolution.Select(r => r.Value.ToString(CultureInfo.InvariantCulture) + " at " + r.Key)));
                // As Write-Host does it: shown on the host like the "What if:" lines, and, unlike a bare
                // Host.UI.WriteLine, recorded by Start-Transcript and capturable with 6>&1.
                WriteInformation(new HostInformationMessage { Message = summary }, new[] { "PSHOST" });
            }
        }

        private bool IsWhatIf =>
            MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound) ? ((SwitchParameter)bound).IsPresent
                : SessionState.PSVariable.GetValue("WhatIfPreference") is object preference && LanguagePrimitives.IsTrue(preference);

        // "[push in]" in a prompt is read by the model as words, not as a camera command.
        private void WarnOfEnglishCameraWords(string prompt)
        {
            if (!_warnedPrompts.Add(prompt))
                return;
            foreach (var (written, move) in CameraCommands.EnglishLookAlikes(prompt))
                WriteWarning($"The prompt contains {written}, which the model reads as text, not as a camera move. Write [{CameraCommands.Chinese(move)}] instead, or use -CameraMovement {move}.");
        }

        /// <summary>Pre-flight checks in the documented order; writes the first failure and returns null.</summary>
        private SubmitRequest? Check(ImageInput input, string prompt, int duration, string resolution, out string description)
        {
            description = input.LocalPath ?? input.Url?.OriginalString ?? "";
            try
            {
                if (input.Error != null)
                    throw input.Error;
                LocalImage? image = input.LocalPath != null ? LocalImage.Inspect(input.LocalPath) : null;
                if (DurationResolutionError(duration, resolution) is HailuoException mismatch)
                    throw mismatch;
                if (PromptError(prompt) is HailuoException badPrompt)
                    throw badPrompt;
                description = image != null ? image.Describe() : input.Url!.OriginalString + " (URL, sent unchanged)";
                return new SubmitRequest(prompt, image, image == null ? input.Url : null, duration, resolution,
                    enablePromptExpansion: !NoPromptExpansion, fastPretreatment: FastPretreatment);
            }
            catch (HailuoException ex)
            {
                WriteError(HailuoErrors.Record(ex, input.Target));
                return null;
            }
        }

        private async System.Threading.Tasks.Task SubmitAsync(HighwayClient client, SubmitRequest request, object target)
        {
            SubmitOutcome outcome;
            try
            {
                outcome = await _submitter!.SubmitAsync(request, ct => client.SubmitAsync(request, ct),
                    // Listed by Get-HailuoTask from now on, even if Ctrl+C comes next.
                    created => Session.Remember(created), CancelToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
                return; // recorded in the journal; the pipeline is stopping
            }
            catch (HailuoException journalFailure) when (journalFailure.ErrorId == ErrorIds.JournalWriteFailed)
            {
                throw new FatalErrorException(HailuoErrors.Record(journalFailure, Journal)); // stop before spending more
            }
            catch (Exception ex)
            {
                PostItemError(ex, target);
                return;
            }

            if (outcome.UnknownMessage is string unknown)
            {
                Dispatcher.Post(() => WriteError(HailuoErrors.Record(ErrorIds.HailuoSubmitOutcomeUnknown, unknown, target)));
                return;
            }
            var task = outcome.Task!;
            var recorded = outcome.Recorded;
            Dispatcher.Post(() =>
            {
                if (recorded != null)
                {
                    WriteVerbose($"'{recorded.SourceImage}' was submitted as task {recorded.TaskId} on {recorded.Time:u} (journal); not sending it again.");
                    Session.Remember(task);
                }
                WriteObject(task);
            });
            if (outcome.JournalFailure != null)
                throw new FatalErrorException(HailuoErrors.Record(outcome.JournalFailure, Journal));
        }

        private static string NormaliseResolution(string resolution) =>
            resolution.Trim().ToUpperInvariant() == "1080P" ? "1080P" : "768P";

        private static HailuoException? DurationResolutionError(int duration, string resolution) =>
            duration == 10 && NormaliseResolution(resolution) == "1080P"
                ? new HailuoException(ErrorIds.DurationResolutionMismatch,
                    "A 10-second video is available at 768P only; use -Duration 6 for 1080P or -Resolution 768P for 10 seconds.")
                : null;

        private static HailuoException? PromptError(string prompt) =>
            prompt.Length > ImageLimits.MaxPromptLength
                ? new HailuoException(ErrorIds.PromptTooLong,
                    string.Format(CultureInfo.InvariantCulture, "The prompt is {0:N0} characters; the limit is {1:N0}.", prompt.Length, ImageLimits.MaxPromptLength))
                : null;
    }
}
