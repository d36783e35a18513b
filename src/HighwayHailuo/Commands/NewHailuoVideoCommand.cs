// New-HailuoVideo: checks each image (or, with -TextOnly, each prompt) fully against the chosen
// model's rules, then submits one paid task per item, several at a time.
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
    /// <para type="synopsis">Submits Minimax Hailuo video tasks (2.3, 2.3 Fast, 02): one per image, or with -TextOnly one per prompt.</para>
    /// </summary>
    // LiteralPath is the default set on purpose: pipeline binding tries the default set first, so an
    // object with a PSPath (Get-ChildItem output) binds to -LiteralPath by property name before
    // PowerShell would coerce the whole object to a string for -Path. Strings and CSV rows (Path or
    // Url column) do not fit the LiteralPath set and fall through to -Path. Text to video is its own
    // set, entered only by -TextOnly: a pipeline that delivers no images never becomes text prompts.
    [Cmdlet(VerbsCommon.New, "HailuoVideo", DefaultParameterSetName = LiteralPathSet,
        SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(HailuoTask))]
    public sealed class NewHailuoVideoCommand : HighwayCmdlet, IDynamicParameters
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const string TextOnlySet = "TextOnly";

        private ItemRunner? _runner;
        private TaskJournal? _journal;
        private JournaledSubmitter? _submitter;
        private readonly HashSet<string> _warnedPrompts = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> _warnedEndpoints = new HashSet<string>(StringComparer.Ordinal);
        // -WhatIf: what would have been sent, for the closing summary line: per model, videos by resolution and seconds.
        private readonly List<WhatIfCount> _whatIf = new List<WhatIfCount>();
        // What the command line itself bound: a rule broken by those values alone stops the call once.
        private HashSet<string> _commandLine = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private RequestImage? _commandLineLastFrame; // checked once in Begin
        private TextOnlyPipelineInput? _textOnlyInput;

        /// <summary>
        /// With -TextOnly only: the parameter that takes piped objects by value, so strings arrive as
        /// prompts. It exists only then, because a string bound by value in any other case would be
        /// a piped image path taken as a prompt; and it takes any object, so that a row is never
        /// turned into the text "@{...}" and sent as a prompt.
        /// </summary>
        public object? GetDynamicParameters() => TextOnly ? _textOnlyInput ??= new TextOnlyPipelineInput() : null;

        /// <summary>The dynamic parameter of -TextOnly (see GetDynamicParameters).</summary>
        public sealed class TextOnlyPipelineInput
        {
            /// <summary>
            /// <para type="description">With -TextOnly: a prompt piped as a string; a piped object gives its Prompt property instead.</para>
            /// </summary>
            [Parameter(ValueFromPipeline = true, DontShow = true)]
            public object? InputObject { get; set; }
        }

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
        /// <para type="description">What the video should show, 1 to 2000 characters. May contain camera commands such as [推进]. With -TextOnly, prompts also come down the pipeline as strings.</para>
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Position = 0, ParameterSetName = TextOnlySet, ValueFromPipelineByPropertyName = true)]
        public string Prompt { get; set; } = "";


        /// <summary>
        /// <para type="description">Makes a video from the prompt alone, with no image: Hailuo-2.3 (minimax-hailuo-2.3-t2v) or Hailuo-02. Hailuo-2.3-Fast has no text-only mode.</para>
        /// </summary>
        // Marked as taking a property so that PowerShell keeps the default LiteralPath set for piped
        // files: a set with a mandatory parameter that no input can bind makes it fall back to the set
        // that takes input by value (-Path), and Get-ChildItem output would arrive as bare strings.
        // A row's TextOnly property never selects this set: the binder settles on the image sets
        // first (ModelFamilyTests holds that), so text to video is only ever asked for explicitly.
        [Parameter(Mandatory = true, ParameterSetName = TextOnlySet, ValueFromPipelineByPropertyName = true)]
        public SwitchParameter TextOnly { get; set; }

        /// <summary>
        /// <para type="description">The model: Hailuo-2.3 (default), Hailuo-2.3-Fast (cheaper drafts, images only) or Hailuo-02 (takes a last frame). Also a Model column or property of piped objects.</para>
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [BlankCellAsDefault(HailuoModels.Default)]
        [ValidateModel]
        [ArgumentCompleter(typeof(ModelCompleter))]
        public string Model { get; set; } = HailuoModels.Default;

        /// <summary>
        /// <para type="description">Hailuo-02 only: the image the video ends on, a local file (taken as written, no wildcards) or a public http/https URL, sent as end_image. Checked like the first image before anything is sent. Also a LastFrame column or property of piped objects; a blank cell means none.</para>
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? LastFrame { get; set; }

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
        /// <para type="description">Shortens the service's prompt optimisation. Not taken by Hailuo-2.3-Fast, which refuses it before anything is sent.</para>
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
        /// <para type="description">A journal file (JSON lines) that records every submission before its task is written out. Run the same command again with the same journal and items already submitted with the same model, images (by content), prompt, duration, resolution and switches are not sent again: their recorded tasks are written instead. Created when missing.</para>
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
            _commandLine = new HashSet<string>(bound.Keys, StringComparer.OrdinalIgnoreCase);
            if (ParameterSetName == TextOnlySet && !TextOnly)
                ThrowTerminatingError(HailuoErrors.Record(ErrorIds.TextOnlyNotSupported,
                    "-TextOnly:$false selects no mode: leave -TextOnly out to make videos from images, or give it to make them from prompts alone. Nothing was sent.", null));
            // The model's own rules, when the command line alone decides them (rows may name another model).
            bool lastFrameGiven = !string.IsNullOrWhiteSpace(LastFrame);
            if ((bound.ContainsKey(nameof(Model)) || (TextOnly && lastFrameGiven))
                && ModelRuleError(HailuoModels.Canonical(Model)!, lastFrameGiven, out _) is HailuoException ruleBroken)
                ThrowTerminatingError(HailuoErrors.Record(ruleBroken, Model));
            if (CameraMovement != null && CameraMovement.Length > CameraCommands.MaxPerPrompt)
                ThrowTerminatingError(HailuoErrors.Record(ErrorIds.TooManyCameraMovements,
                    string.Format(CultureInfo.InvariantCulture, "{0} camera moves were given ({1}); the model follows at most {2} at once.",
                        CameraMovement.Length, string.Join(", ", CameraMovement), CameraCommands.MaxPerPrompt), CameraMovement));
            var commandLineEndpoint = HailuoModels.Find(HailuoModels.Canonical(Model) ?? HailuoModels.Default, withImage: !TextOnly)
                ?? HailuoModels.DefaultEndpoint;
            if (bound.ContainsKey(nameof(Duration)) && bound.ContainsKey(nameof(Resolution))
                && DurationResolutionError(commandLineEndpoint, Duration, Resolution) is HailuoException mismatch)
                ThrowTerminatingError(HailuoErrors.Record(mismatch, null));
            if (bound.ContainsKey(nameof(Prompt)) && PromptError(CameraCommands.Append(Prompt, CameraMovement)) is HailuoException badPrompt)
                ThrowTerminatingError(HailuoErrors.Record(badPrompt, null));
            // A last frame on the command line ends every video: a bad one is one error, not one per image.
            if (lastFrameGiven && !TextOnly)
            {
                try
                {
                    _commandLineLastFrame = CheckLastFrame(LastFrame!.Trim());
                }
                catch (HailuoException ex)
                {
                    ThrowTerminatingError(HailuoErrors.Record(ex, LastFrame));
                }
            }
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
            // Pipeline rows rebind these per record, so capture them now for the background work.
            string? typed = TextOnly ? TextOnlyPrompt() : Prompt;
            if (typed == null)
                return;
            string prompt = CameraCommands.Append(typed, CameraMovement);
            WarnOfEnglishCameraWords(typed);
            var item = new ItemValues(HailuoModels.Canonical(Model) ?? HailuoModels.Default, prompt, Duration, NormaliseResolution(Resolution),
                string.IsNullOrWhiteSpace(LastFrame) ? null : LastFrame!.Trim());

            if (TextOnly)
            {
                Submit(Check(null, item, out string description), description, item, typed);
                _runner!.Flush();
                return;
            }
            bool literal = ParameterSetName == LiteralPathSet;
            foreach (var raw in literal ? LiteralPath : Path)
            {
                foreach (var input in ImageInputResolver.Resolve(raw, literal, SessionState.Path))
                    Submit(Check(input, item, out string description), description, item, input.Target);
            }
            _runner!.Flush();
        }

        // Image properties a piped object may carry: under -TextOnly they would be ignored, and a
        // paid text-only video made where an image video was meant.
        private static readonly string[] s_imageProperties = { "Path", "Url", "ImageUri", "PSPath", "SourceImage" };

        /// <summary>
        /// This record's prompt under -TextOnly: a piped string, a piped object's Prompt property, or
        /// -Prompt when nothing is piped. Writes why and returns null when the record has no prompt
        /// of its own, or brings an image.
        /// </summary>
        private string? TextOnlyPrompt()
        {
            // Bound from the pipeline, so reset for every record.
            object? input = _textOnlyInput?.InputObject;
            if (input == null)
                return Prompt;
            // Two sources for one prompt would silently drop one of them.
            if (_commandLine.Contains(nameof(Prompt)))
                throw new FatalErrorException(HailuoErrors.Record(ErrorIds.PromptConflict,
                    "With -TextOnly, give the prompts either with -Prompt or down the pipeline, not both: the piped ones would replace -Prompt. Nothing was sent.", input));
            object value = input is PSObject wrapped ? wrapped.BaseObject : input;
            if (value is string text)
                return text;
            string? image = value switch
            {
                FileSystemInfo file => file.FullName,
                HailuoTask task => task.SourceImage,
                _ => s_imageProperties.Select(name => (input as PSObject)?.Properties[name]?.Value?.ToString())
                        .FirstOrDefault(v => !string.IsNullOrWhiteSpace(v)),
            };
            if (image != null)
            {
                WriteError(HailuoErrors.Record(ErrorIds.TextOnlyItemHasImage,
                    $"A piped item names an image ('{image}'), but -TextOnly makes videos from prompts alone and would leave it out. Drop -TextOnly to make an image video, or pipe prompts only. Nothing was sent for this item.", input));
                return null;
            }
            if (FromThisRow(nameof(Prompt)))
                return Prompt;
            WriteError(HailuoErrors.Record(ErrorIds.PromptEmpty,
                $"A piped {value.GetType().Name} has no Prompt property, so it has no prompt; with -TextOnly, pipe strings or rows with a Prompt column. Nothing was sent for this item.", input));
            return null;
        }

        /// <summary>What one pipeline record asks for, read on the pipeline thread.</summary>
        private sealed class ItemValues
        {
            public ItemValues(string model, string prompt, int duration, string resolution, string? lastFrame)
            {
                Model = model;
                Prompt = prompt;
                Duration = duration;
                Resolution = resolution;
                LastFrame = lastFrame;
            }

            public string Model { get; }
            public string Prompt { get; }
            public int Duration { get; }
            public string Resolution { get; }
            public string? LastFrame { get; }
        }

        private void Submit(SubmitRequest? request, string description, ItemValues item, object target)
        {
            if (request == null)
                return;
            WarnOfUnlistedCameraCommands(request.Endpoint, request.Prompt);
            string action = string.Format(CultureInfo.InvariantCulture, "Submit a paid {0} s {1} {2} {3}-to-video task",
                item.Duration, item.Resolution, request.Model, request.Endpoint.Mode);
            if (!ShouldProcess(description, action))
            {
                if (IsWhatIf)
                    CountWhatIf(request);
                return;
            }
            var client = RequireClient();
            _runner!.Start(() => SubmitAsync(client, request, target));
        }

        private void CountWhatIf(SubmitRequest request)
        {
            var count = _whatIf.Find(m => m.Model == request.Model);
            if (count == null)
                _whatIf.Add(count = new WhatIfCount(request.Model));
            count.ByResolution.TryGetValue(request.Resolution, out int videos);
            count.ByResolution[request.Resolution] = videos + 1;
            count.Seconds += request.Duration;
        }

        /// <summary>What -WhatIf would have sent of one model.</summary>
        private sealed class WhatIfCount
        {
            public WhatIfCount(string model) => Model = model;

            public string Model { get; }
            public SortedDictionary<string, int> ByResolution { get; } = new SortedDictionary<string, int>(StringComparer.Ordinal);
            public int Seconds { get; set; }
        }

        private protected override void End()
        {
            _runner?.WaitAll();
            if (_whatIf.Count > 0)
            {
                int videos = _whatIf.Sum(m => m.ByResolution.Values.Sum());
                string perModel = string.Join("; ", _whatIf.Select(m => string.Format(CultureInfo.InvariantCulture, "{0} {1} s ({2})",
                    m.Model, m.Seconds, string.Join(", ", m.ByResolution.Select(r => r.Value.ToString(CultureInfo.InvariantCulture) + " at " + r.Key)))));
                string summary = string.Format(CultureInfo.InvariantCulture, "What if: {0} video{1}, {2} s of video in total: {3}. Nothing was sent.",
                    videos, videos == 1 ? "" : "s", _whatIf.Sum(m => m.Seconds), perModel);
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

        // Hailuo 2.3 Fast's and 02's reference pages list no camera commands: the moves are sent in the
        // prompt as asked (the maker may honour them), but the user is told they may be read as words.
        private void WarnOfUnlistedCameraCommands(HailuoEndpoint endpoint, string prompt)
        {
            if (endpoint.ListsCameraCommands || !CameraCommands.ContainsCommand(prompt) || !_warnedEndpoints.Add(endpoint.Name))
                return;
            WriteWarning($"{endpoint.Model}'s reference page lists no camera commands (only Hailuo-2.3's does). The bracketed moves stay in the prompt as sent, and the model may follow them or read them as words; use -Model {HailuoModels.Hailuo23} for documented camera moves.");
        }

        /// <summary>
        /// Pre-flight checks in the documented order (image, model rules, duration and resolution,
        /// prompt, last frame); writes the first failure and returns null. A failure caused by the
        /// command line alone stops the whole call instead, since every item would fail the same way.
        /// </summary>
        private SubmitRequest? Check(ImageInput? input, ItemValues item, out string description)
        {
            object target = input?.Target ?? (object)item.Prompt;
            description = input == null ? TextOnlyDescription(item.Prompt) : input.LocalPath ?? input.Url?.OriginalString ?? "";
            try
            {
                if (input?.Error != null)
                    throw input.Error;
                RequestImage? first = input == null ? null
                    : input.LocalPath != null ? new RequestImage(LocalImage.Inspect(input.LocalPath)) : new RequestImage(input.Url!);
                if (ModelRuleError(item.Model, item.LastFrame != null, out var endpoint) is HailuoException ruleBroken)
                {
                    if (!FromThisRow(nameof(Model)) && !FromThisRow(nameof(LastFrame)))
                        throw new FatalErrorException(HailuoErrors.Record(ruleBroken, item.Model));
                    throw ruleBroken;
                }
                if (DurationResolutionError(endpoint!, item.Duration, item.Resolution) is HailuoException mismatch)
                    throw mismatch;
                if (PromptError(item.Prompt) is HailuoException badPrompt)
                    throw badPrompt;
                RequestImage? last = item.LastFrame == null ? null
                    : !FromThisRow(nameof(LastFrame)) && _commandLineLastFrame != null ? _commandLineLastFrame
                    : CheckLastFrame(item.LastFrame);
                if (first != null)
                    description = first.Describe() + (last == null ? "" : ", ending on " + last.Describe());
                return new SubmitRequest(endpoint!, item.Prompt, first, last, item.Duration, item.Resolution,
                    enablePromptExpansion: !NoPromptExpansion, fastPretreatment: FastPretreatment);
            }
            catch (HailuoException ex)
            {
                WriteError(HailuoErrors.Record(ex, target));
                return null;
            }
        }

        private bool FromThisRow(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter) && !_commandLine.Contains(parameter);

        private static string TextOnlyDescription(string prompt) =>
            PromptPreview.Quoted(prompt) + " (text only)";

        /// <summary>The last frame, resolved and checked exactly like a first image; its errors name it as the last frame.</summary>
        private RequestImage CheckLastFrame(string raw)
        {
            var input = ImageInputResolver.ResolveOne(raw, SessionState.Path);
            try
            {
                if (input.Error != null)
                    throw input.Error;
                return input.LocalPath != null ? new RequestImage(LocalImage.Inspect(input.LocalPath)) : new RequestImage(input.Url!);
            }
            catch (HailuoException ex)
            {
                throw ex.WithMessage("Last frame: " + ex.Message, ex.RetryAfter);
            }
        }

        /// <summary>
        /// The model's own rules, from the one table (HailuoModels): whether it offers this mode, takes
        /// a last frame, and takes -FastPretreatment. Returns the first rule broken, else null and the endpoint.
        /// </summary>
        private HailuoException? ModelRuleError(string model, bool lastFrame, out HailuoEndpoint? endpoint)
        {
            endpoint = HailuoModels.Find(model, withImage: !TextOnly);
            if (endpoint == null)
                return new HailuoException(ErrorIds.TextOnlyNotSupported, string.Format(CultureInfo.InvariantCulture,
                    "{0} makes videos from images only; for text to video (-TextOnly) use -Model {1}. Nothing was sent.",
                    model, string.Join(" or -Model ", HailuoModels.Offering(withImage: false))));
            if (lastFrame && TextOnly)
                return new HailuoException(ErrorIds.LastFrameNeedsFirstFrame,
                    "A last frame (-LastFrame) needs a first frame: give an image (-Path) instead of -TextOnly. Nothing was sent.");
            if (lastFrame && !endpoint.TakesLastFrame)
                return new HailuoException(ErrorIds.LastFrameNotSupported, string.Format(CultureInfo.InvariantCulture,
                    "{0} takes no last frame; -LastFrame needs -Model {1}. Nothing was sent.",
                    model, string.Join(" or ", HailuoModels.Endpoints.Where(e => e.TakesLastFrame).Select(e => e.Model).Distinct())));
            if (FastPretreatment && !endpoint.TakesFastPretreatment)
                return new HailuoException(ErrorIds.FastPretreatmentNotSupported, string.Format(CultureInfo.InvariantCulture,
                    "{0} takes no fast_pretreatment, so -FastPretreatment cannot apply to it; leave the switch out. Nothing was sent.", model));
            return null;
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
                    WriteVerbose($"'{recorded.Describe()}' was submitted as task {recorded.TaskId} on {recorded.Time:u} (journal); not sending it again.");
                    Session.Remember(task);
                }
                WriteObject(task);
            });
            if (outcome.JournalFailure != null)
                throw new FatalErrorException(HailuoErrors.Record(outcome.JournalFailure, Journal));
        }

        private static string NormaliseResolution(string resolution) =>
            resolution.Trim().ToUpperInvariant() == "1080P" ? "1080P" : "768P";

        // Every Hailuo model has the same formats today; the table's row decides, so one that differs needs only its row.
        private static HailuoException? DurationResolutionError(HailuoEndpoint endpoint, int duration, string resolution) =>
            !endpoint.Allows(duration, NormaliseResolution(resolution))
                ? new HailuoException(ErrorIds.DurationResolutionMismatch,
                    "A 10-second video is available at 768P only; use -Duration 6 for 1080P or -Resolution 768P for 10 seconds.")
                : null;

        private static HailuoException? PromptError(string prompt) =>
            string.IsNullOrWhiteSpace(prompt)
                ? new HailuoException(ErrorIds.PromptEmpty, "The prompt is empty; every video needs a prompt of 1 to 2000 characters. Nothing was sent for this item.")
            : prompt.Length > ImageLimits.MaxPromptLength
                ? new HailuoException(ErrorIds.PromptTooLong,
                    string.Format(CultureInfo.InvariantCulture, "The prompt is {0:N0} characters; the limit is {1:N0}.", prompt.Length, ImageLimits.MaxPromptLength))
                : null;
    }
}
