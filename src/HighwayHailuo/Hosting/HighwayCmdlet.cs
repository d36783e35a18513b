// The base of every cmdlet that talks to the Highway API: -ApiKey/-BaseUri, connection
// resolution, Ctrl+C cancellation that reaches every await, and the pipeline-thread dispatcher.
using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using System.Threading;
using HighwayHailuo.Api;
using HighwayHailuo.Errors;
using HighwayHailuo.FlowControl;

namespace HighwayHailuo.Hosting
{
    public abstract class HighwayCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private int _pipelineThread;
        private PipelineDispatcher? _dispatcher;
        private HighwayConnection? _connection;
        private HighwayClient? _client;
        private RequestGate? _gate;
        private ClientLog? _log;

        /// <summary>
        /// <para type="description">The Highway API key for this call. Takes a SecureString or a plain string. When omitted: the key from Connect-Highway, then $env:HIGHWAY_API_KEY.</para>
        /// </summary>
        [Parameter]
        [SecureStringTransformation]
        public SecureString? ApiKey { get; set; }

        /// <summary>
        /// <para type="description">The Highway API base URI for this call. When omitted: the URI from Connect-Highway, then $env:HIGHWAY_BASE_URI, then https://api.highwayapi.ai.</para>
        /// </summary>
        [Parameter]
        public Uri? BaseUri { get; set; }

        /// <summary>
        /// <para type="description">Seconds one request may go without an answer, or a download without data, before it is dropped; reads and downloads are then retried, a submission is reported as HailuoSubmitOutcomeUnknown. Default: 60, and 300 for a submission (its upload included). Separate from Wait-HailuoTask -Timeout, which bounds the whole wait.</para>
        /// </summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; }

        /// <summary>The -TimeoutSec value, when given.</summary>
        private protected TimeSpan? RequestTimeout => TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : (TimeSpan?)null;

        private protected CancellationToken CancelToken => _stopping.Token;

        private protected PipelineDispatcher Dispatcher => _dispatcher ?? throw new InvalidOperationException("BeginProcessing has not run.");

        private protected SessionSettings Session { get; private set; } = null!;

        private protected IClientLog Log => _log!;

        /// <summary>Told of each piece of a local image sent, for a progress bar; null when the cmdlet shows none.</summary>
        private protected virtual Action<long>? ImageBytesSent => null;

        /// <summary>Requests in flight for this call, across all items.</summary>
        private protected virtual int RequestLimit => 8;

        private protected RequestGate Gate => _gate ??= new RequestGate(RequestLimit);

        private protected RetryPolicy Retry { get; } = RetryPolicy.CreateDefault();

        /// <summary>The account this call reaches (a hash of host and key, never the key); null without a key.</summary>
        private protected string? Account => _connection?.Account;

        /// <summary>Connect-Highway's proxy for this call; null: the system proxy.</summary>
        private protected ProxySettings? Proxy => _connection?.Proxy;

        /// <summary>The call's API key, for keeping it out of text from elsewhere (a video host's answers); null without one.</summary>
        private protected string? KeyToHide => _connection?.RevealKey();

        protected sealed override void BeginProcessing()
        {
            _pipelineThread = Environment.CurrentManagedThreadId;
            _dispatcher = new PipelineDispatcher(_stopping.Token);
            _log = new ClientLog(this, Shows("Verbose", "VerbosePreference"), Shows("Debug", "DebugPreference"));
            Session = SessionSettings.Current;
            try
            {
                _connection = HighwayConnection.Resolve(ApiKey, BaseUri, Session.ApiKey, Session.BaseUri, Session.Proxy);
            }
            catch (HailuoException ex)
            {
                ThrowTerminatingError(HailuoErrors.Record(ex, BaseUri == null ? null : HighwayConnection.Redact(BaseUri.OriginalString)));
            }
            Guarded(Begin);
        }

        protected sealed override void ProcessRecord() => Guarded(Process);

        protected sealed override void EndProcessing() => Guarded(End);

        protected override void StopProcessing()
        {
            _stopping.Cancel();
            OnStopping();
        }

        /// <summary>Runs on the stopping thread after cancellation; keep it short and bounded.</summary>
        private protected virtual void OnStopping() { }

        private protected virtual void Begin() { }
        private protected virtual void Process() { }
        private protected virtual void End() { }

        /// <summary>
        /// The task with its estimated cost from this session's price table, as it is written out: the
        /// same object when it already carries that estimate, else a new snapshot (tasks are immutable,
        /// and a piped one may be the caller's own, or another runspace's).
        /// </summary>
        private protected HailuoTask Priced(HailuoTask task)
        {
            var estimate = Session.Prices.For(task.Model, task.Duration, task.Resolution);
            decimal? cost = estimate?.EstimatedPrice;
            string? currency = cost == null ? null : estimate!.Currency;
            if (task.EstimatedCost == cost && task.EstimatedCostCurrency == currency)
                return task;
            var facts = HailuoTaskFacts.Of(task);
            facts.EstimatedCost = cost;
            facts.EstimatedCostCurrency = currency;
            return facts.ToTask();
        }

        /// <summary>The API client, created on first use; a missing key stops the whole call here.</summary>
        private protected HighwayClient RequireClient()
        {
            lock (_stopping)
            {
                if (_client != null)
                    return _client;
                if (_connection!.ApiKey == null)
                    throw new FatalErrorException(HailuoErrors.ApiKeyMissing());
                var session = Session;
                Uri baseUri = _connection.BaseUri;
                string? key = _connection.RevealKey();
                // The session's pacer of each endpoint, looked up once per call: naming the account
                // hashes the host and key, which a batch would otherwise do for every submission.
                var pacers = new System.Collections.Concurrent.ConcurrentDictionary<string, RatePacer>(StringComparer.Ordinal);
                var options = new HighwayClientOptions
                {
                    PacerFor = endpoint => pacers.GetOrAdd(endpoint, e => session.PacerFor(baseUri, key, e)),
                    ImageBytesSent = ImageBytesSent,
                };
                if (RequestTimeout is TimeSpan timeout)
                {
                    options.SubmitTimeout = timeout;
                    options.ReadTimeout = timeout;
                }
                _client = new HighwayClient(_connection, Gate, Retry, _log, options);
                return _client;
            }
        }

        /// <summary>
        /// The one way a cmdlet reports a failure, from the pipeline thread or from work an
        /// <see cref="ItemRunner"/> started. A failure that ends the call (a terminating
        /// HailuoException, or a FatalErrorException) is thrown: on the pipeline thread it ends the call
        /// at once; in an item's work the runner ends the call once the items in flight are written
        /// (they are paid for). Any other failure is written on the pipeline thread, as that item's.
        /// Other background code (callbacks, continuations) posts to the pipeline thread and reports there.
        /// </summary>
        private protected void Report(Exception ex, object? target)
        {
            switch (ex)
            {
                case HailuoException known when known.IsTerminating:
                    throw new FatalErrorException(HailuoErrors.Record(known, target));
                case FatalErrorException fatal:
                    throw fatal;
                case HailuoException known:
                    Report(HailuoErrors.Record(OtherConnectionNoted(known, target), target));
                    break;
                default:
                    Report(HailuoErrors.Unexpected(ex, target));
                    break;
            }
        }

        /// <summary>Writes an item's error record, on the pipeline thread (posted there from any other).</summary>
        private protected void Report(ErrorRecord record)
        {
            if (Environment.CurrentManagedThreadId == _pipelineThread)
                WriteError(record);
            else
                Dispatcher.Post(() => WriteError(record));
        }

        /// <summary>Ends the call with this error, from the pipeline thread or an item's work (see <see cref="Report(Exception, object)"/>).</summary>
        private protected static Exception EndCall(HailuoException ex, object? target) => EndCall(HailuoErrors.Record(ex, target));

        /// <summary>Ends the call with this error record.</summary>
        private protected static Exception EndCall(ErrorRecord record) => throw new FatalErrorException(record);

        /// <summary>
        /// A task the server does not know that this session made through another connection (another
        /// key or host, before Connect-Highway changed it): say so, since that is why.
        /// </summary>
        private HailuoException OtherConnectionNoted(HailuoException error, object? target)
        {
            string? id = target is HailuoTask task ? task.TaskId : target as string;
            string? madeWith = error.ErrorId == ErrorIds.HailuoTaskNotFound && id != null ? Session.AccountOf(id) : null;
            return madeWith != null && madeWith != Account
                ? error.WithMessage(error.Message + " It was made through another connection (another API key or host); Connect-Highway with that one to reach it.")
                : error;
        }

        private void Guarded(Action body)
        {
            try
            {
                body();
            }
            catch (FatalErrorException fatal)
            {
                ThrowTerminatingError(fatal.Record);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>Everything this call runs in the background; it has all ended when the call has.</summary>
        private protected BackgroundWork Background { get; } = new BackgroundWork();

        /// <summary>
        /// Cancels whatever background work is left and waits for it to end, so nothing this call
        /// started still sends, polls or writes once it has returned. The wait is bounded because
        /// every piece of work observes the token; a stuck one is left to the thread pool. The
        /// token source and dispatcher are not disposed: late continuations may still touch them,
        /// and neither holds unmanaged resources.
        /// </summary>
        public void Dispose()
        {
            _stopping.Cancel();
            Background.WaitAll(TimeSpan.FromSeconds(10));
        }

        // Whether a stream's messages are shown (or recorded) at all in this call: -Verbose/-Debug
        // when given, else the preference variable in the caller's scope. Unknown means shown.
        private bool Shows(string commonParameter, string preferenceVariable)
        {
            if (MyInvocation.BoundParameters.TryGetValue(commonParameter, out object? given))
                return given is SwitchParameter on ? on.IsPresent : LanguagePrimitives.IsTrue(given);
            return !(GetVariableValue(preferenceVariable) is ActionPreference preference)
                || (preference != ActionPreference.SilentlyContinue && preference != ActionPreference.Ignore);
        }

        /// <summary>
        /// Forwards the client's log to the Verbose, Debug and Warning streams, on the pipeline
        /// thread. A message nobody will see is not posted at all: each post wakes that thread
        /// (thousands of times in a batch).
        /// </summary>
        private sealed class ClientLog : IClientLog
        {
            private readonly HighwayCmdlet _cmdlet;
            private readonly bool _verbose;
            private readonly bool _debug;

            public ClientLog(HighwayCmdlet cmdlet, bool verbose, bool debug) => (_cmdlet, _verbose, _debug) = (cmdlet, verbose, debug);

            public void Verbose(string message)
            {
                if (_verbose)
                    _cmdlet._dispatcher?.Post(() => _cmdlet.WriteVerbose(message));
            }

            public void Debug(string message)
            {
                if (_debug)
                    _cmdlet._dispatcher?.Post(() => _cmdlet.WriteDebug(message));
            }

            public void Warning(string message) => _cmdlet._dispatcher?.Post(() => _cmdlet.WriteWarning(message));
        }
    }
}
