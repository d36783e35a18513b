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
using HighwayHailuo.Planning;
using HighwayHailuo.Catalogue;
using HighwayHailuo.Costs;

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
    //
    // No parameter an item can bring (image, prompt, model, duration, resolution, last frame) is
    // mandatory or validated while binding: PowerShell would refuse a bad row itself, unnamed and
    // uncounted, and a mandatory -Prompt in the image sets co-binds with a positional parameter of
    // another set. The item checks (SubmissionRules) refuse a missing or bad value instead, against
    // its row, before anything is sent; a value the command line alone decides stops the call once.
    [Cmdlet(VerbsCommon.New, "HailuoVideo", DefaultParameterSetName = LiteralPathSet,
        SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(HailuoTask))]
    public sealed class NewHailuoVideoCommand : HighwayCmdlet, IDynamicParameters
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const string TextOnlySet = "TextOnly";

        // The parameters an item (a CSV row, a piped task) can bring by property name.
        private static readonly string[] s_itemParameters = { nameof(Prompt), nameof(Model), nameof(Duration), nameof(Resolution), nameof(LastFrame) };

        private ItemRunner? _runner;
        private TransferProgress? _uploads;
        private TaskJournal? _journal;
        private JournaledSubmitter? _submitter;
        private readonly HashSet<string> _warnedPrompts = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> _warnedEndpoints = new HashSet<string>(StringComparer.Ordinal);
        // -WhatIf: what would have been sent, for the closing summary line: per model, videos by resolution and seconds.
        private readonly List<WhatIfCount> _whatIf = new List<WhatIfCount>();
        // What the command line itself bound: a rule decided by those values alone stops the call once.
        private HashSet<string> _commandLine = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private SubmissionPlanner? _planner;
        private TextOnlyPipelineInput? _textOnlyInput;
        private long _inputNumber; // pipeline records so far, to name a refused row
        private int _refused;      // items refused before anything was sent, for the -WhatIf summary
        private SpendingCap? _cap;
        private int _capRefused;   // items the cap refused (background threads add to it)
        private Spending _whatIfSpent; // -WhatIf: what the cap would have counted so far
        private readonly List<HailuoPriceEstimate> _whatIfEstimates = new List<HailuoPriceEstimate>();
        private readonly HashSet<string> _whatIfIdentities = new HashSet<string>(StringComparer.Ordinal); // -WhatIf -Journal: each submission once

        /// <summary>
        /// With -TextOnly only: the parameter that takes prompts piped by value, and the first
        /// positional argument. It exists only then: a string bound by value or position in any other
        /// case is an image path, and taking it as a prompt would bill a video of the path's words.
        /// It takes any object, so that a row is never turned into the text "@{...}" and sent as a prompt.
        /// </summary>
        public object? GetDynamicParameters() => TextOnly ? _textOnlyInput ??= new TextOnlyPipelineInput() : null;

        /// <summary>The dynamic parameter of -TextOnly (see GetDynamicParameters).</summary>
        public sealed class TextOnlyPipelineInput
        {
            /// <summary>
            /// <para type="description">With -TextOnly: a prompt, piped as a string or given as the first positional argument; a piped object gives its Prompt property instead.</para>
            /// </summary>
            [Parameter(Position = 0, ParameterSetName = TextOnlySet, ValueFromPipeline = true, DontShow = true)]
            public object? InputObject { get; set; }
        }

        /// <summary>
        /// <para type="description">Local image files (wildcards allowed) or public http/https image URLs, which are sent unchanged.</para>
        /// </summary>
        [Parameter(Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias(ImageInputNames.ImageUri, ImageInputNames.Url)]
        [ImagePathTransformation]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>
        /// <para type="description">Local image files, taken exactly as written (no wildcards). Binds Get-ChildItem output.</para>
        /// </summary>
        [Parameter(ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias(ImageInputNames.PSPath, ImageInputNames.LP)]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>
        /// <para type="description">What the video should show, 1 to 2000 characters; every video needs one. May contain camera commands such as [推进]. Also a Prompt column or property of piped objects. With -TextOnly, prompts also come as piped strings or as the first positional argument.</para>
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? Prompt { get; set; }

        /// <summary>
        /// <para type="description">Makes a video from the prompt alone, with no image: Hailuo-2.3 (minimax-hailuo-2.3-t2v) or Hailuo-02. Hailuo-2.3-Fast has no text-only mode.</para>
        /// </summary>
        // Marked as taking a property so that PowerShell keeps the default LiteralPath set for piped
        // files: a set with a mandatory parameter that no input can bind makes it fall back to the set
        // that takes input by value (-Path), and Get-ChildItem output would arrive as bare strings.
        // A row's TextOnly property never selects this set: the binder settles on the image sets
        // first (the binding matrix holds that), so text to video is only ever asked for explicitly.
        [Parameter(Mandatory = true, ParameterSetName = TextOnlySet, ValueFromPipelineByPropertyName = true)]
        public SwitchParameter TextOnly { get; set; }

        /// <summary>
        /// <para type="description">The model: Hailuo-2.3 (default), Hailuo-2.3-Fast (cheaper drafts, images only) or Hailuo-02 (takes a last frame). Also a Model column or property of piped objects; a blank cell means the default.</para>
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [BlankCellAsDefault(HailuoModels.Default)]
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
        /// <para type="description">The video length in seconds: 6 (default) or 10. 10-second videos are 768P only. Also a Duration column; a blank cell means the default.</para>
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [DurationTransformation]
        [ArgumentCompleter(typeof(DurationCompleter))]
        public int Duration { get; set; } = HailuoModels.DefaultDuration;

        /// <summary>
        /// <para type="description">The video resolution: 768P (default) or 1080P, case-insensitive. 1080P allows 6-second videos only. Also a Resolution column; a blank cell means the default.</para>
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [BlankCellAsDefault(HailuoModels.DefaultResolution)]
        [ArgumentCompleter(typeof(ResolutionCompleter))]
        public string Resolution { get; set; } = HailuoModels.DefaultResolution;

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
        /// <para type="description">A journal (JSON lines) that records every submission before its task is written out: a file, or an append blob in Azure Storage named by its URL with a container SAS (https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB?SAS, permissions racw) so that runs on several machines, or a runbook whose sandbox is gone when it ends, share it. Run the same command again with the same journal and items already submitted with the same model, images (by content), prompt, duration, resolution and switches are not sent again: their recorded tasks are written instead. Created when missing.</para>
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Journal { get; set; }

        /// <summary>
        /// <para type="description">With -Journal: submits again the images whose earlier submission has an unknown outcome (it may or may not have created a task). Without -Force they are reported as HailuoSubmitOutcomeUnknown and not sent.</para>
        /// </summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>
        /// <para type="description">The most videos this call may submit. With -Journal, the most that journal may ever record as submitted, counting every run and every process that uses it, so a scheduled runbook cannot spend past it. A submission counts once it may have been billed (an answered task, a request with no answer, or one a process died sending); an item that would pass the cap is refused with SpendingCapReached and not sent.</para>
        /// </summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int MaxVideos { get; set; }

        /// <summary>
        /// <para type="description">The most seconds of video this call (or, with -Journal, that journal across all runs) may submit, counted as -MaxVideos counts videos: a 10-second video counts 10. An item that would pass it is refused with SpendingCapReached and not sent.</para>
        /// </summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int MaxVideoSeconds { get; set; }

        private protected override int RequestLimit => ThrottleLimit;

        private protected override Action<long>? ImageBytesSent => _uploads == null ? null : _uploads.Moved;

        private protected override void Begin()
        {
            _commandLine = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);
            if (ParameterSetName == TextOnlySet && !TextOnly)
                Stop(new HailuoException(ErrorIds.TextOnlyNotSupported,
                    "-TextOnly:$false selects no mode: leave -TextOnly out to make videos from images, or give it to make them from prompts alone."), null);
            if (CameraMovement != null && CameraMovement.Length > CameraCommands.MaxPerPrompt)
                Stop(new HailuoException(ErrorIds.TooManyCameraMovements,
                    string.Format(CultureInfo.InvariantCulture, "{0} camera moves were given ({1}); the model follows at most {2} at once.",
                        CameraMovement.Length, string.Join(", ", CameraMovement), CameraCommands.MaxPerPrompt)), CameraMovement);

            // Under -TextOnly the prompts come one way only: -Prompt, the first positional argument, or
            // the pipeline. Two ways would silently drop one (a piped task's image among them).
            bool positionalPrompt = TextOnly && _commandLine.Contains(nameof(TextOnlyPipelineInput.InputObject));
            int promptSources = new[] { _commandLine.Contains(nameof(Prompt)), positionalPrompt, MyInvocation.ExpectingInput }.Count(given => given);
            if (TextOnly && promptSources > 1)
                Stop(new HailuoException(ErrorIds.PromptConflict,
                    "With -TextOnly, give the prompts one way: with -Prompt, as the first positional argument, or down the pipeline; with two, one would replace the other."), null);

            // The rules whose values are settled before any input is read: a failure would fail every item.
            if (!MyInvocation.ExpectingInput && !TextOnly && Path.Length == 0 && LiteralPath.Length == 0)
                Stop(ImageMissing("The command"), null);
            _planner = new SubmissionPlanner(
                new CallOptions { TextOnly = TextOnly, FastPretreatment = FastPretreatment, EnablePromptExpansion = !NoPromptExpansion, HashImages = Journal != null },
                raw => ImageInputResolver.ResolveOne(raw, SessionState.Path));
            bool promptSettled = RuleSettled(nameof(Prompt)) && !positionalPrompt && !(TextOnly && MyInvocation.ExpectingInput);
            if (_planner.CheckCommandLine(CommandLineValues(), parameter => RuleSettled(parameter), promptSettled, _commandLine.Contains(nameof(LastFrame))) is PlanFailure broken)
                Stop(broken.Error.ErrorId == ErrorIds.PromptMissing ? WithTextOnlyHint(broken.Error) : broken.Error, broken.Target);
            if (Journal != null)
                _journal = OpenJournal(Journal);
            _cap = SpendingCap.Of(Bound(nameof(MaxVideos)) ? MaxVideos : (int?)null, Bound(nameof(MaxVideoSeconds)) ? MaxVideoSeconds : (int?)null);
            if (_cap != null && _journal != null && IsWhatIf)
                _whatIfSpent = _journal.Spent;
            _submitter = new JournaledSubmitter(_journal, Force, Log, _cap);
            _runner = new ItemRunner(Dispatcher, Background, ThrottleLimit);
            _uploads = new TransferProgress(TransferProgress.SubmittingActivityId, Dispatcher, WriteProgress, "Submitting to Hailuo", "submitted", "of images sent");
        }

        private bool Bound(string parameter) => _commandLine.Contains(parameter);

        /// <summary>A value is settled before any input when the command line gave it, or when nothing is piped.</summary>
        private bool RuleSettled(params string[] parameters) =>
            !MyInvocation.ExpectingInput || parameters.All(p => _commandLine.Contains(p));

        private void Stop(HailuoException ex, object? target) =>
            throw EndCall(ex.WithMessage(ex.Message + " Nothing was sent."), target);

        /// <summary>
        /// A missing prompt while -Path holds words that name no file: the user meant a video of
        /// those words (New-HailuoVideo 'a red fox'), so say how to ask for one.
        /// </summary>
        private HailuoException WithTextOnlyHint(HailuoException ex)
        {
            string? words = ex.ErrorId == ErrorIds.PromptMissing
                ? Path.FirstOrDefault(p => p != null && p.Trim().Any(char.IsWhiteSpace) && !IsFile(p))
                : null;
            return words == null ? ex : ex.WithMessage(ex.Message + $" '{PromptPreview.Cut(words.Trim(), 60)}' was given as an image and names no file; for a video made from that text, use New-HailuoVideo -TextOnly '{PromptPreview.Cut(words.Trim(), 60)}'.");
        }

        private bool IsFile(string path)
        {
            try
            {
                return File.Exists(SessionState.Path.GetUnresolvedProviderPathFromPSPath(path));
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is ProviderNotFoundException || ex is System.Management.Automation.DriveNotFoundException)
            {
                return false;
            }
        }

        private TaskJournal OpenJournal(string value)
        {
            try
            {
                var store = JournalStores.For(value, path =>
                {
                    string full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
                    if (Directory.Exists(full) || !Directory.Exists(System.IO.Path.GetDirectoryName(full)))
                        throw new HailuoException(ErrorIds.JournalWriteFailed,
                            $"The journal '{full}' cannot be written: {(Directory.Exists(full) ? "it is a folder" : "its folder does not exist")}. Nothing was sent.");
                    return full;
                }, writes: true, out string? expiring);
                if (expiring != null)
                    WriteWarning(expiring);
                var journal = TaskJournal.Open(store, create: true);
                if (journal.Warning != null)
                    WriteWarning(journal.Warning);
                return journal;
            }
            catch (HailuoException ex)
            {
                throw EndCall(ex, JournalStores.Shown(value));
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
            if (MyInvocation.ExpectingInput)
                _inputNumber++;
            // Pipeline rows rebind these per record, so capture them now for the background work.
            string? typed = TextOnly ? TextOnlyPrompt() : Prompt;
            if (TextOnly && typed == null)
                return; // refused, and said why
            var item = ItemValuesOf(typed);
            if (typed != null)
                WarnOfEnglishCameraWords(typed);

            if (TextOnly)
            {
                Submit(Check(null, item, out string description), description, item, typed!);
                _runner!.Flush();
                return;
            }
            bool literal = ParameterSetName == LiteralPathSet;
            var images = literal ? LiteralPath : Path;
            if (images.Length == 0)
            {
                Refuse(ImageMissing(RowName() ?? (MyInvocation.ExpectingInput ? "Input " + _inputNumber.ToString(CultureInfo.InvariantCulture) : "The command")), null);
                return;
            }
            foreach (var raw in images)
            {
                foreach (var input in ImageInputResolver.Resolve(raw, literal, SessionState.Path))
                    Submit(Check(input, item, out string description), description, item, input.Target);
            }
            _runner!.Flush();
        }

        private static HailuoException ImageMissing(string who) =>
            new HailuoException(ErrorIds.ImageMissing,
                who + " names no image. Give images with -Path or -LiteralPath, pipe files (Get-ChildItem) or rows with a Path, Url or ImageUri column; for a video from the prompt alone, use -TextOnly.");

        /// <summary>What one pipeline record asks for, and which of it the record brought, read on the pipeline thread.</summary>
        private ItemValues ItemValuesOf(string? typed) =>
            new ItemValues(Model, typed, typed == null ? null : CameraCommands.Append(typed, CameraMovement), Duration, Resolution,
                string.IsNullOrWhiteSpace(LastFrame) ? null : LastFrame!.Trim(), s_itemParameters.Where(FromThisItem).ToArray());

        private ItemValues CommandLineValues() => ItemValuesOf(Prompt);

        /// <summary>
        /// This record's prompt under -TextOnly: a piped or positional string, a piped object's Prompt
        /// property, or -Prompt when nothing else gives one. Writes why and returns null when the
        /// record has no prompt of its own, or brings an image.
        /// </summary>
        private string? TextOnlyPrompt()
        {
            // Bound from the pipeline or the first positional argument, so reset for every record.
            object? input = _textOnlyInput?.InputObject;
            if (input == null)
            {
                if (!MyInvocation.ExpectingInput)
                    return Prompt;
                Refuse(new HailuoException(ErrorIds.PromptMissing,
                    "A piped $null has no prompt; with -TextOnly, pipe strings or rows with a Prompt column."), null);
                return null;
            }
            object value = input is PSObject wrapped ? wrapped.BaseObject : input;
            // An image under -TextOnly would be left out, and a paid text-only video made where an
            // image video was meant: a file, a task with an image, or anything with an image property.
            // A string's PSPath is its file's (Get-Content gives one to every line of a prompts file):
            // an image only when that file is one.
            string? image = value switch
            {
                FileSystemInfo file => file.FullName,
                HailuoTask task => task.SourceImage,
                string => input is PSObject line
                    ? ImageInputNames.FirstValue(line, ImageInputNames.All.Where(n => n != ImageInputNames.PSPath))?.ToString()
                      ?? (ImageInputNames.FirstValue(line, new[] { ImageInputNames.PSPath })?.ToString() is string source && ImageFormatExtensions.HasImageFileExtension(source) ? source : null)
                    : null,
                _ => input is PSObject bag ? ImageInputNames.FirstValue(bag, ImageInputNames.All)?.ToString() : null,
            };
            if (image != null)
            {
                Refuse(new HailuoException(ErrorIds.TextOnlyItemHasImage,
                    $"A piped item names an image ('{image}'), but -TextOnly makes videos from prompts alone and would leave it out. Drop -TextOnly to make an image video, or pipe prompts only."), input);
                return null;
            }
            if (value is string text)
                return text;
            if (FromThisRow(nameof(Prompt)))
                return Prompt;
            Refuse(new HailuoException(ErrorIds.PromptMissing,
                $"A piped {value.GetType().Name} has no Prompt property, so it has no prompt; with -TextOnly, pipe strings or rows with a Prompt column."), input);
            return null;
        }

        private void Submit(SubmitRequest? request, string description, ItemValues item, object target)
        {
            if (request == null)
                return;
            WarnOfUnlistedCameraCommands(request.Endpoint, request.Prompt);
            var estimate = Session.Prices.Find(request.Model, request.Duration, request.Resolution);
            string action = string.Format(CultureInfo.InvariantCulture, "Submit a paid {0} s {1} {2} {3}-to-video task ({4})",
                request.Duration, request.Resolution, request.Model, request.Endpoint.Mode, PriceTable.Describe(estimate));
            if (IsWhatIf && (WhatIfNotSent(request) || (_cap != null && !WhatIfWithinCap(request))))
                return;
            if (!ShouldProcess(description, action))
            {
                if (IsWhatIf)
                {
                    CountWhatIf(request);
                    _whatIfEstimates.Add(estimate);
                }
                return;
            }
            var client = RequireClient();
            _runner!.Start(() => SubmitAsync(client, request, target));
        }

        /// <summary>
        /// -WhatIf with a cap: counts the item as a run would (an item the journal already answers
        /// is not sent, so costs nothing), or says that the cap would refuse it.
        /// </summary>
        private bool WhatIfWithinCap(SubmitRequest request)
        {
            if (!_cap!.Allows(_whatIfSpent, request.Duration))
            {
                _capRefused++;
                var refusal = _cap.Refusal(request.Describe(), request.Duration, _whatIfSpent, _journal?.Path);
                WriteInformation(new HostInformationMessage { Message = "What if: " + refusal.ErrorId + ": " + refusal.Message }, new[] { "PSHOST" });
                return false;
            }
            _whatIfSpent = _whatIfSpent.Plus(request.Duration);
            return true;
        }

        /// <summary>
        /// -WhatIf with a journal: an item a run would not send says so and is not counted (nor
        /// priced, nor held against the cap): one the journal already answers, or the same
        /// submission as an earlier item of this call, which a run sends once.
        /// </summary>
        private bool WhatIfNotSent(SubmitRequest request)
        {
            if (_journal == null)
                return false;
            var identity = JournalRecord.For(request, JournalState.Submitting);
            string? why = _journal.Answering(identity, Force) is JournalRecord recorded
                ? recorded.State == JournalState.Submitted
                    ? $"the journal has it as task {recorded.TaskId}; it would be written out, not sent again"
                    : "the journal says an earlier submission of it may or may not have created a task; it would not be sent again (HailuoSubmitOutcomeUnknown; -Force sends it)"
                : !_whatIfIdentities.Add(identity.Identity)
                    ? "it is the same submission as an earlier item; it would be sent once"
                    : null;
            if (why == null)
                return false;
            WriteInformation(new HostInformationMessage { Message = $"What if: '{request.Describe()}': {why}." }, new[] { "PSHOST" });
            return true;
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
            _uploads?.Complete();
            if (!IsWhatIf)
            {
                if (_capRefused > 0)
                    WriteWarning(string.Format(CultureInfo.InvariantCulture, "The spending cap ({0}) refused {1} item{2}; {3} not sent (see the SpendingCapReached errors).",
                        _cap!.Describe(), _capRefused, _capRefused == 1 ? "" : "s", _capRefused == 1 ? "it was" : "they were"));
                return;
            }
            if (_whatIf.Count == 0 && _refused == 0 && _capRefused == 0)
                return;
            int videos = _whatIf.Sum(m => m.ByResolution.Values.Sum());
            string perModel = string.Join("; ", _whatIf.Select(m => string.Format(CultureInfo.InvariantCulture, "{0} {1} s ({2})",
                m.Model, m.Seconds, string.Join(", ", m.ByResolution.Select(r => r.Value.ToString(CultureInfo.InvariantCulture) + " at " + r.Key)))));
            string summary = videos == 0 ? "What if: no video would be sent."
                : string.Format(CultureInfo.InvariantCulture, "What if: {0} video{1}, {2} s of video in total: {3}; {4}.",
                    videos, videos == 1 ? "" : "s", _whatIf.Sum(m => m.Seconds), perModel, PriceTable.DescribeTotal(_whatIfEstimates));
            if (_refused > 0)
                summary += string.Format(CultureInfo.InvariantCulture, " {0} item{1} refused (see the errors).", _refused, _refused == 1 ? " was" : "s were");
            if (_capRefused > 0)
                summary += string.Format(CultureInfo.InvariantCulture, " {0} item{1} would be refused by the spending cap ({2}).", _capRefused, _capRefused == 1 ? "" : "s", _cap!.Describe());
            // As Write-Host does it: shown on the host like the "What if:" lines, and, unlike a bare
            // Host.UI.WriteLine, recorded by Start-Transcript and capturable with 6>&1.
            WriteInformation(new HostInformationMessage { Message = summary + " Nothing was sent." }, new[] { "PSHOST" });
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
        /// The item through the planner's pre-flight; writes its refusal and returns null. A failure of
        /// values no item brought stops the call, once, after what is already in flight is written.
        /// </summary>
        private SubmitRequest? Check(ImageInput? input, ItemValues item, out string description)
        {
            var plan = _planner!.PlanItem(input, item);
            description = plan.Description;
            if (plan.Failure is PlanFailure failure)
            {
                if (plan.EndsTheCall)
                {
                    _runner!.WaitAll();
                    throw EndCall(failure.Error, failure.Target);
                }
                Refuse(failure.Error, failure.Target);
            }
            return plan.Request;
        }

        /// <summary>
        /// Writes an item's refusal: named after its row when the pipeline brought its values, and
        /// counted for the -WhatIf summary.
        /// </summary>
        private void Refuse(HailuoException ex, object? target)
        {
            _refused++;
            string? row = RowName();
            Report(row == null || ex.Message.StartsWith(row, StringComparison.Ordinal) ? ex : ex.WithMessage(row + ": " + ex.Message), target);
        }

        /// <summary>
        /// "Row 3 (Prompt 'waves', Duration 7)": the pipeline record's number and the values it
        /// brought by property name; null for the command line, or for a piped path or file, which
        /// the message names already.
        /// </summary>
        private string? RowName()
        {
            if (!MyInvocation.ExpectingInput)
                return null;
            var brought = s_itemParameters.Where(FromThisRow).ToList();
            if (brought.Count == 0)
                return null;
            brought.InsertRange(0, new[] { nameof(Path), nameof(LiteralPath) }.Where(p => FromThisRow(p) && ((string[])MyInvocation.BoundParameters[p]).Length > 0));
            return string.Format(CultureInfo.InvariantCulture, "Row {0} ({1})", _inputNumber,
                string.Join(", ", brought.Select(p => p + " " + Quote(MyInvocation.BoundParameters[p]))));
        }

        private static string Quote(object? value)
        {
            object? plain = value is PSObject ps ? ps.BaseObject : value;
            if (plain is int number)
                return number == SubmissionRules.NotAWholeNumber ? "(not a whole number)" : number.ToString(CultureInfo.InvariantCulture);
            if (plain is string[] several)
                plain = string.Join(", ", several);
            return "'" + PromptPreview.Cut(Convert.ToString(plain, CultureInfo.InvariantCulture) ?? "", 40) + "'";
        }

        private bool FromThisRow(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter) && !_commandLine.Contains(parameter);

        // Under -TextOnly a piped string (or a piped object's Prompt) is the item's own prompt, even
        // though it arrives through the pipeline input rather than -Prompt.
        private bool FromThisItem(string parameter) =>
            FromThisRow(parameter) || (parameter == nameof(Prompt) && TextOnly && MyInvocation.ExpectingInput);

        // One submission, counted on the call's progress bar from start to end, whatever the outcome.
        private async System.Threading.Tasks.Task SubmitAsync(HighwayClient client, SubmitRequest request, object target)
        {
            _uploads!.Started();
            try
            {
                await SubmitOneAsync(client, request, target).ConfigureAwait(false);
            }
            finally
            {
                _uploads.Ended();
            }
        }

        private async System.Threading.Tasks.Task SubmitOneAsync(HighwayClient client, SubmitRequest request, object target)
        {
            SubmitOutcome outcome;
            try
            {
                outcome = await _submitter!.SubmitAsync(request, ct => client.SubmitAsync(request, ct),
                    // Listed by Get-HailuoTask from now on, even if Ctrl+C comes next.
                    created => Session.Remember(created, Account), CancelToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
                return; // recorded in the journal; the pipeline is stopping
            }
            catch (HailuoException journalFailure) when (ErrorIds.MeansJournalUnusable(journalFailure.ErrorId))
            {
                throw EndCall(journalFailure, _journal!.Path); // stop before spending more
            }
            catch (Exception ex)
            {
                if (ex is HailuoException { ErrorId: ErrorIds.SpendingCapReached })
                    Interlocked.Increment(ref _capRefused);
                Report(ex, target);
                return;
            }

            if (outcome.UnknownMessage is string unknown)
            {
                Report(HailuoErrors.Record(ErrorIds.HailuoSubmitOutcomeUnknown, unknown, target));
                return;
            }
            var task = outcome.Task!;
            var recorded = outcome.Recorded;
            Dispatcher.Post(() =>
            {
                if (recorded != null)
                {
                    WriteVerbose($"'{recorded.Describe()}' was submitted as task {recorded.TaskId} on {recorded.Time:u} (journal); not sending it again.");
                    Session.Remember(task, Account);
                }
                WriteObject(Priced(task));
            });
            if (outcome.JournalFailure != null)
                throw EndCall(outcome.JournalFailure, _journal!.Path);
        }
    }
}
