// The Highway API client: submit and task-result, with the module's retry rules.
//
// At-most-once submission: a submission is retried only when the server provably did not create
// a task. That is the case for
//   - 429 (rate limited: the request was refused before any work),
//   - 503 (service unavailable: the front door refused it),
//   - 500 with reason CREATE_TASK_FAILED (the server says no task was created),
//   - a connection that was never established (DNS failure, connection refused: no byte was sent),
//   - a connection that failed before the whole body was written (its length is declared up front,
//     so the server never had a complete request).
// Every other failure after the body may have reached the server (a timeout, a reset connection,
// 502/504, any other 5xx, a 200 without a task id) is HailuoSubmitOutcomeUnknown and is never
// retried, because a retry could create, and bill, a second task.
// Reads (task-result) have no side effects and are retried on any transient failure.
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using HighwayHailuo.Errors;
using HighwayHailuo.FlowControl;

namespace HighwayHailuo.Api
{
    internal sealed class HighwayClient
    {
        public const string SubmitPathPrefix = "v3/async/";
        public const string TaskResultPath = "v3/async/task-result";

        internal const int MaxResultBodyBytes = 1024 * 1024;
        internal const int MaxErrorBodyBytes = 64 * 1024;

        private readonly HttpClient _http;
        private readonly HighwayConnection _connection;
        private readonly string _apiKey;
        private readonly RequestGate _gate;
        private readonly RetryPolicy _retry;
        private readonly IClientLog? _log;
        private readonly HighwayClientOptions _options;
        private readonly Func<string, RatePacer> _pacerFor;

        public HighwayClient(HighwayConnection connection, RequestGate gate, RetryPolicy retry, IClientLog? log, HighwayClientOptions? options = null)
        {
            _connection = connection;
            _apiKey = connection.RevealKey() ?? throw new ArgumentException("The connection has no API key.", nameof(connection));
            _gate = gate;
            _retry = retry;
            _log = log;
            _options = options ?? new HighwayClientOptions();
            _http = _options.Http ?? connection.Proxy?.Api ?? HttpClients.Api;
            var ownPacers = new System.Collections.Concurrent.ConcurrentDictionary<string, RatePacer>(StringComparer.Ordinal);
            _pacerFor = _options.PacerFor ?? (endpoint => ownPacers.GetOrAdd(endpoint, _ => RatePacer.CreateDefault()));
        }

        /// <summary>Submits one task and returns its id.</summary>
        public Task<string> SubmitAsync(SubmitRequest request, CancellationToken cancellationToken) =>
            WithRetriesAsync(ct => SubmitOnceAsync(request, ct), _pacerFor(request.Endpoint.Name), cancellationToken);

        /// <summary>
        /// Asks task-result for the current state of a task. <paramref name="patient"/>: a watch that
        /// polls again anyway (Wait-HailuoTask) outlasts a network that comes and goes, so for it an
        /// unreachable host is a passing failure, not the end of the call.
        /// </summary>
        public Task<ServerTaskState> GetTaskAsync(string taskId, CancellationToken cancellationToken, bool patient = false) =>
            WithRetriesAsync(ct => GetTaskOnceAsync(taskId, ct), null, cancellationToken, patient);

        // Set once a request has shown the API host unreachable: every other request of this call
        // then fails at once with the same terminating error instead of retrying on its own.
        private HailuoException? _unreachable;

        private async Task<T> WithRetriesAsync<T>(Func<CancellationToken, Task<T>> attempt, RatePacer? pacer, CancellationToken cancellationToken, bool patient = false)
        {
            for (int n = 1; ; )
            {
                if (!patient && Volatile.Read(ref _unreachable) is HailuoException unreachable)
                    throw unreachable;
                using var turn = pacer == null ? null : await pacer.WaitTurnAsync(cancellationToken).ConfigureAwait(false);
                if (pacer?.TakeLedgerProblem() is string problem)
                    _log?.Verbose(problem);
                try
                {
                    var result = await attempt(cancellationToken).ConfigureAwait(false);
                    turn?.Counted();
                    return result;
                }
                catch (HailuoException ex) when (ex.ErrorId == ErrorIds.HailuoServiceUnreachable && !patient && (!ex.Retryable || n >= _retry.MaxAttempts))
                {
                    // The host is not there: the rest of the call is pointless, so it ends here, for every item.
                    var final = ex.Retryable ? _retry.Next(ex, n, out _)! : ex;
                    final = new HailuoException(final.ErrorId, final.Message + " Nothing more is sent in this call.", terminating: true, inner: final.InnerException);
                    Interlocked.CompareExchange(ref _unreachable, final, null);
                    throw Volatile.Read(ref _unreachable)!;
                }
                catch (HailuoException ex) when (ex.Retryable || (patient && ex.ErrorId == ErrorIds.HailuoServiceUnreachable))
                {
                    // A 429 while the server accepts others in the window is a place in the queue,
                    // not a failure: the pacer holds the next attempt until there is room, and it
                    // does not use up an attempt. (A Retry-After has already paused the gate.)
                    bool waitForRoom = ex.StatusCode == 429 && turn != null && turn.RateLimited();
                    if (waitForRoom && !_retry.WaitsTooLong(ex))
                    {
                        _log?.Verbose(string.Format(CultureInfo.InvariantCulture,
                            "{0} Waiting for room: the server allows about {1} submissions per {2:0} s.", ex.Message, pacer!.Limit, pacer.Window.TotalSeconds));
                        continue;
                    }
                    // A pause too long to wait for ends here, its place in the window released uncounted.
                    if (_retry.WaitsTooLong(ex))
                        throw _retry.Next(ex, n, out _)!;
                    if (ex.StatusCode.HasValue && ex.StatusCode != 429)
                        turn?.Counted();
                    if (_retry.Next(ex, n, out TimeSpan delay) is HailuoException final)
                        throw final;

                    _log?.Verbose(string.Format(CultureInfo.InvariantCulture,
                        "{0} Retrying in {1:0.0} s (attempt {2} of {3}).", ex.Message, delay.TotalSeconds, n + 1, _retry.MaxAttempts));
                    n++;
                    turn?.Dispose(); // hold no place in the window while backing off
                    await _retry.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
                catch (HailuoException ex) when (ex.StatusCode.HasValue)
                {
                    // The server answered, so it counted the request; a proxy's 407 never reached it.
                    if (ex.ErrorId != ErrorIds.ProxyAuthenticationRequired)
                        turn?.Counted();
                    throw;
                }
            }
        }

        private async Task<string> SubmitOnceAsync(SubmitRequest request, CancellationToken cancellationToken)
        {
            using var slot = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
            var bodySent = new BodySent();
            var content = request.CreateContent(bodySent.Mark, _options.ImageBytesSent);
            string path = SubmitPathPrefix + request.Endpoint.Name;
            using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(_connection.BaseUri, path)) { Content = content };
            _log?.Debug("POST /" + path + " body: " + RemoveKey(request.DescribeBody()));

            ApiResponse response;
            try
            {
                response = await SendAsync(message, _options.SubmitTimeout, MaxErrorBodyBytes, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped (Ctrl+C): whether the server may have acted travels with the failure.
                throw new SubmitCancelledException(bodySent.Value, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (content is DataUriJsonContent streamed && streamed.ChangedImage is string changed)
                {
                    // The body was cut short, so the server cannot have accepted it.
                    throw new HailuoException(ErrorIds.ImageUnreadable,
                        $"The image '{changed}' changed while it was being sent; it was not submitted.", inner: ex);
                }
                if (ProxySettings.RefusedTunnel(ex))
                    throw ProxySettings.AuthenticationRequired(_connection.Proxy, "407", "the request never reached Highway");
                if (NeverConnected(ex))
                    throw Unreachable(ex);
                if (!bodySent.Value)
                {
                    // The connection failed before the whole body was written: with its length
                    // declared up front, the server never had a complete request to act on.
                    throw new HailuoException(ErrorIds.HailuoServiceUnavailable,
                        $"The connection to {_connection.BaseUri.Host} dropped while the request was being sent: {Scrub(ex.GetBaseException().Message)}.", retryable: true, inner: ex);
                }
                throw OutcomeUnknown(request, ex is TimeoutException
                    ? $"no answer within {_options.SubmitTimeout.TotalSeconds:0} s"
                    : "the connection failed after the request was sent (" + Scrub(ex.GetBaseException().Message) + ")", null, ex);
            }

            if (response.IsSuccess)
            {
                string? taskId = response.Truncated ? null : TaskResultParser.ParseTaskId(response.Body);
                if (taskId == null)
                    throw OutcomeUnknown(request, "the server answered " + StatusLine(response) + " without a task id", response, null);
                // Trimmed or refused, it is not the id the server means; one that holds the key is not an id at all.
                if (TaskIds.Check(taskId, out _) != taskId || RemoveKey(taskId) != taskId)
                    throw TaskIdUnusable(request, taskId, TaskIds.DescribeUnusable(RemoveKey(taskId)!));
                return taskId;
            }

            var error = MapError(response, isSubmit: true);
            // A submission is retryable only when the server provably created no task (MapError).
            if (response.StatusCode >= 500 && !error.Retryable)
                throw OutcomeUnknown(request, "the server answered " + StatusLine(response) + DescribeServerError(error), response, null);
            throw error;
        }

        private async Task<ServerTaskState> GetTaskOnceAsync(string taskId, CancellationToken cancellationToken)
        {
            using var slot = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
            var uri = new Uri(_connection.BaseUri, TaskResultPath + "?task_id=" + Uri.EscapeDataString(taskId));
            using var message = new HttpRequestMessage(HttpMethod.Get, uri);

            ApiResponse response;
            try
            {
                response = await SendAsync(message, _options.ReadTimeout, MaxResultBodyBytes, cancellationToken, taskId).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (ProxySettings.RefusedTunnel(ex))
                    throw ProxySettings.AuthenticationRequired(_connection.Proxy, "407", "the request never reached Highway");
                if (NeverConnected(ex))
                    throw Unreachable(ex);
                throw new HailuoException(ErrorIds.HailuoServiceUnavailable,
                    $"Could not read task '{taskId}' from {_connection.BaseUri.Host}: {Scrub(ex.GetBaseException().Message)}.", retryable: true, inner: ex);
            }

            if (response.IsSuccess)
            {
                if (response.Truncated)
                {
                    throw new HailuoException(ErrorIds.HailuoResponseInvalid,
                        $"The task-result answer for task '{taskId}' is larger than {MaxResultBodyBytes:N0} bytes; it was not read.", response.StatusCode, retryable: true);
                }
                // An answer it cannot read is retryable: a proxy's HTML page or a half-written answer may be passing.
                var state = TaskResultParser.Parse(response.Body, taskId);
                // The parser made its text safe to show; the key, only this client knows.
                state.Reason = RemoveKey(state.Reason);
                state.RawStatus = RemoveKey(state.RawStatus);
                state.Seed = RemoveKey(state.Seed);
                state.VideoType = RemoveKey(state.VideoType);
                return state;
            }

            throw MapError(response, isSubmit: false, taskId);
        }

        /// <summary>Sends one request with the key and a deadline, and reads at most <paramref name="maxBody"/> bytes of the answer.</summary>
        private async Task<ApiResponse> SendAsync(HttpRequestMessage message, TimeSpan timeout, int maxBody, CancellationToken cancellationToken, string? taskId = null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            var clock = Stopwatch.StartNew();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
                var result = await ApiResponse.ReadAsync(response, maxBody, deadline.Token).ConfigureAwait(false);
                // Feed the gate's additive-increase / multiplicative-decrease of requests in flight.
                if (result.StatusCode == 429)
                {
                    _gate.OnRateLimited();
                    // Pause every worker now, not after this error has unwound: others are about to start.
                    if (result.RetryAfter is TimeSpan pause && pause <= _retry.MaxRetryAfter)
                        _gate.PauseUntil(DateTimeOffset.UtcNow + pause);
                }
                else if (result.StatusCode < 500)
                {
                    _gate.OnSuccess();
                }
                string? id = taskId ?? (result.IsSuccess && message.Method == HttpMethod.Post ? Scrub(ServerText.Clean(TaskResultParser.ParseTaskId(result.Body), 64)) : null);
                _log?.Verbose(string.Format(CultureInfo.InvariantCulture, "{0} {1} -> {2} in {3} ms{4}",
                    message.Method, message.RequestUri!.AbsolutePath, StatusLine(result), clock.ElapsedMilliseconds, id == null ? "" : " (task " + id + ")"));
                return result;
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                _log?.Verbose(string.Format(CultureInfo.InvariantCulture, "{0} {1} -> no answer within {2:0} s",
                    message.Method, message.RequestUri!.AbsolutePath, timeout.TotalSeconds));
                throw new TimeoutException($"No answer within {timeout.TotalSeconds:0} s.", ex);
            }
        }

        /// <summary>Turns a non-success answer into the module's error, reading the server's JSON error body when there is one.</summary>
        private HailuoException MapError(ApiResponse response, bool isSubmit, string? taskId = null)
        {
            ParseErrorBody(response.Body, out string? reason, out string? serverMessage);
            reason = Scrub(reason);
            serverMessage = Scrub(serverMessage);
            int status = response.StatusCode;
            string server = DescribeServerError(reason, serverMessage);
            // Safe to send again: for a submission only when the server provably created no task;
            // for a read, whenever the server may answer better later.
            bool retryable = isSubmit
                ? status == 429 || status == 503 || (status == 500 && string.Equals(reason, "CREATE_TASK_FAILED", StringComparison.OrdinalIgnoreCase))
                : status == 429 || status == 408 || status >= 500;

            // From a proxy, which did not pass the request on: nothing reached Highway, and no retry will pass it either.
            if (status == 407)
                return ProxySettings.AuthenticationRequired(_connection.Proxy, StatusLine(response), "the request never reached Highway");
            if (status == 401 || status == 403 || string.Equals(reason, "MISSING_API_KEY", StringComparison.OrdinalIgnoreCase))
            {
                return new HailuoException(ErrorIds.HailuoAuthenticationFailed,
                    $"The Highway API refused the API key from {_connection.KeySource} ({StatusLine(response)}{server}). Check the key, or set another with Connect-Highway or $env:{HighwayConnection.ApiKeyVariable}.",
                    status, reason, serverMessage, terminating: true);
            }
            if (status == 404)
            {
                if (isSubmit || string.Equals(reason, "API_NOT_FOUND", StringComparison.OrdinalIgnoreCase))
                {
                    return new HailuoException(ErrorIds.HailuoEndpointNotFound,
                        $"The Highway API at {_connection.BaseUri} has no such endpoint ({StatusLine(response)}{server}). Check -BaseUri or $env:{HighwayConnection.BaseUriVariable}.",
                        status, reason, serverMessage, terminating: true);
                }
                return new HailuoException(ErrorIds.HailuoTaskNotFound,
                    $"The Highway API has no task '{taskId}' ({StatusLine(response)}{server}).", status, reason, serverMessage, retryable);
            }
            if (status == 429)
            {
                return new HailuoException(ErrorIds.HailuoRateLimited,
                    $"The Highway API is rate limiting requests ({StatusLine(response)}{server}).", status, reason, serverMessage, retryable, retryAfter: response.RetryAfter);
            }
            if (status >= 500 || status == 408)
            {
                return new HailuoException(ErrorIds.HailuoServiceUnavailable,
                    $"The Highway API is unavailable ({StatusLine(response)}{server}).", status, reason, serverMessage, retryable, retryAfter: response.RetryAfter);
            }
            return new HailuoException(ErrorIds.HailuoRequestRejected,
                $"The Highway API rejected the request ({StatusLine(response)}{server}).", status, reason, serverMessage, retryable);
        }

        // A name that does not exist will not exist in a moment either; a refused connection may be a restart.
        // Through Connect-Highway's proxy, the connection that failed is the one to the proxy.
        private HailuoException Unreachable(Exception ex)
        {
            string why = Scrub(ex.GetBaseException().Message)!;
            bool noSuchName = NameDoesNotExist(ex);
            string message = _connection.Proxy is ProxySettings proxy
                ? (noSuchName
                    ? $"The proxy host name {proxy.Address.Host} does not exist (DNS: {why}). Check Connect-Highway -Proxy."
                    : $"Could not connect to the proxy {proxy} (on the way to {_connection.BaseUri.Host}): {why}.")
                : (noSuchName
                    ? $"The API host name {_connection.BaseUri.Host} does not exist (DNS: {why}). Check -BaseUri or $env:{HighwayConnection.BaseUriVariable}."
                    : $"Could not connect to {_connection.BaseUri.Host}: {why}.");
            return new HailuoException(ErrorIds.HailuoServiceUnreachable, message, retryable: !noSuchName, inner: ex);
        }

        /// <summary>True when DNS says the host name does not exist (not a failure to ask it).</summary>
        internal static bool NameDoesNotExist(Exception ex)
        {
            for (Exception? e = ex; e != null; e = e.InnerException)
            {
                if (e is SocketException socket && (socket.SocketErrorCode == SocketError.HostNotFound || socket.SocketErrorCode == SocketError.NoData))
                    return true;
                if (e is WebException web && web.Status == WebExceptionStatus.NameResolutionFailure)
                    return true;
            }
            return false;
        }

        private HailuoException OutcomeUnknown(SubmitRequest request, string why, ApiResponse? response, Exception? inner)
        {
            ParseErrorBody(response?.Body ?? default, out string? reason, out string? serverMessage);
            string prompt = request.Prompt.Length > 80 ? request.Prompt.Substring(0, 77) + "..." : request.Prompt;
            return new HailuoException(ErrorIds.HailuoSubmitOutcomeUnknown,
                string.Format(CultureInfo.InvariantCulture,
                    "The submission of '{0}' ({1}, {2} s, {3}, prompt '{4}') may or may not have created a task: {5}. It was not retried, because a retry could bill twice. Check the task list in your Highway account before submitting it again.",
                    request.SourceImage ?? "text only", request.Model, request.Duration, request.Resolution, prompt, why),
                response?.StatusCode, Scrub(reason), Scrub(serverMessage), inner: inner, mayHaveCreatedTask: true);
        }

        /// <summary>
        /// A submission the server accepted, answered with a task id the module cannot use (a path,
        /// an escaped slash, a line break, thousands of characters): the task exists and is billed,
        /// but no request or file name can safely carry its id. Recorded like an unknown outcome.
        /// </summary>
        private static HailuoException TaskIdUnusable(SubmitRequest request, string taskId, string why) =>
            new HailuoException(ErrorIds.HailuoTaskIdUnusable,
                string.Format(CultureInfo.InvariantCulture,
                    "The server accepted the submission of '{0}' ({1}, {2} s, {3}) but answered with a task id this module cannot use, so the task cannot be followed: {4}. The task may exist and be billed; it was not sent again, because that could bill twice. Look for it in your Highway account's task list.",
                    request.SourceImage ?? "text only", request.Model, request.Duration, request.Resolution, why),
                200, mayHaveCreatedTask: true);

        private static string DescribeServerError(HailuoException error) => DescribeServerError(error.ServerReason, error.ServerMessage);

        private static string DescribeServerError(string? reason, string? message)
        {
            if (string.IsNullOrEmpty(reason) && string.IsNullOrEmpty(message))
                return "";
            if (string.IsNullOrEmpty(message))
                return ": " + reason;
            return string.IsNullOrEmpty(reason) ? ": " + message : ": " + reason + ": " + message;
        }

        /// <summary>Reads {"code","reason","message"} when the body is that JSON; otherwise a short plain-text message.</summary>
        internal static void ParseErrorBody(ReadOnlyMemory<byte> body, out string? reason, out string? message)
        {
            reason = null;
            message = null;
            if (body.Length == 0)
                return;
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    reason = TaskResultParser.GetString(doc.RootElement, "reason");
                    message = TaskResultParser.GetString(doc.RootElement, "message");
                }
                return;
            }
            catch (JsonException)
            {
            }
            // Plain text (not HTML): keep a short, single-line excerpt.
            string text = Encoding.UTF8.GetString(body.Span.Slice(0, Math.Min(body.Length, 300)).ToArray()).Trim();
            if (text.Length > 0 && text[0] != '<' && text.IndexOf('\0') < 0)
                message = text.Replace('\r', ' ').Replace('\n', ' ');
        }

        /// <summary>Text from the server made safe to show: without the key (whole or in pieces), neutralised, bounded.</summary>
        private string? Scrub(string? text) => ServerText.Safe(text, _apiKey);

        private string? RemoveKey(string? text) => ServerText.WithoutSecret(text, _apiKey);

        /// <summary>"400 Bad Request", the reason phrase made safe: servers write anything there.</summary>
        private string StatusLine(ApiResponse response) =>
            response.StatusCode.ToString(CultureInfo.InvariantCulture)
            + (string.IsNullOrEmpty(response.RawReasonPhrase) ? "" : " " + Scrub(response.RawReasonPhrase));

        /// <summary>True when the exception proves no connection was made, so nothing reached the server.</summary>
        internal static bool NeverConnected(Exception ex)
        {
            for (Exception? e = ex; e != null; e = e.InnerException)
            {
                if (e is SocketException socket)
                {
                    switch (socket.SocketErrorCode)
                    {
                        case SocketError.ConnectionRefused:
                        case SocketError.HostNotFound:
                        case SocketError.HostUnreachable:
                        case SocketError.NetworkUnreachable:
                        case SocketError.TryAgain:
                        case SocketError.NoData:
                        case SocketError.AddressNotAvailable:
                            return true;
                    }
                }
                if (e is WebException web && (web.Status == WebExceptionStatus.ConnectFailure
                    || web.Status == WebExceptionStatus.NameResolutionFailure
                    || web.Status == WebExceptionStatus.ProxyNameResolutionFailure))
                    return true;
            }
            return false;
        }
    }

    /// <summary>How one call's client behaves, fixed when it is made.</summary>
    internal sealed class HighwayClientOptions
    {
        /// <summary>Time allowed for one submission, body upload included.</summary>
        public TimeSpan SubmitTimeout { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>Time allowed for one task-result request.</summary>
        public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>
        /// The pacer of an endpoint's submissions: the server limits each model on its own, so a limit
        /// learned for one must not hold back another. Null: a pacer of the client's own per endpoint.
        /// </summary>
        public Func<string, RatePacer>? PacerFor { get; set; }

        /// <summary>Told of each piece of a local image sent (again on a retried attempt), from any thread: for progress.</summary>
        public Action<long>? ImageBytesSent { get; set; }

        /// <summary>The HTTP client; null: the connection's proxy's, else the shared one. Tests pass a stub.</summary>
        public HttpClient? Http { get; set; }
    }

    /// <summary>
    /// A submission stopped by Ctrl+C, saying whether its body had been sent whole (then the server
    /// may have made the task) or not (then it cannot have).
    /// </summary>
    internal sealed class SubmitCancelledException : OperationCanceledException
    {
        public SubmitCancelledException(bool mayHaveCreatedTask, CancellationToken token)
            : base("The submission was stopped " + (mayHaveCreatedTask ? "after the request was sent, before the answer." : "before the request was sent."), token)
        {
            MayHaveCreatedTask = mayHaveCreatedTask;
        }

        public bool MayHaveCreatedTask { get; }
    }

    /// <summary>Whether one attempt's body was written out whole; set from the sending thread.</summary>
    internal sealed class BodySent
    {
        private volatile bool _value;

        public bool Value => _value;

        public void Mark() => _value = true;
    }
}
