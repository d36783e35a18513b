// The client's retry rules against a stubbed handler: what is retried, what never is, and why.
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using HighwayHailuo.Api;
using Xunit;
using HighwayHailuo.Errors;
using HighwayHailuo.Catalogue;
using HighwayHailuo.FlowControl;

namespace HighwayHailuo.UnitTests;

public sealed class HighwayClientTests
{
    private const string Key = "unit-test-key-abc123";
    private readonly List<TimeSpan> _delays = new();
    private readonly StubHandler _stub = new();

    private HighwayClient Client(TimeSpan? timeout = null)
    {
        var connection = HighwayConnection.Resolve(HighwayConnection.ToSecureString(Key), new Uri("https://api.test/base"), null, null);
        var retry = new RetryPolicy { Delay = (d, _) => { _delays.Add(d); return Task.CompletedTask; } };
        var options = new HighwayClientOptions { Http = new HttpClient(_stub) };
        if (timeout != null)
        {
            options.SubmitTimeout = timeout.Value;
            options.ReadTimeout = timeout.Value;
        }
        return new HighwayClient(connection, new RequestGate(4), retry, null, options);
    }

    private static SubmitRequest UrlRequest(string prompt = "a \"quoted\" prompt [推进]") =>
        Requests.ImageToVideo(prompt, null, new Uri("https://images.test/cat.jpg?x=1"), 10, "768P", expand: false, fast: true);

    private static async Task<HailuoException> Fails(Func<Task> action) => await Assert.ThrowsAsync<HailuoException>(action);

    [Fact]
    public async Task SubmitSendsTheKeyAndTheSixFieldsToTheSubmitPath()
    {
        _stub.Then(HttpStatusCode.OK, """{"task_id":"t-1"}""");

        string id = await Client().SubmitAsync(UrlRequest(), default);

        Assert.Equal("t-1", id);
        var (request, body) = Assert.Single(_stub.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("https://api.test/base/v3/async/minimax-hailuo-2.3-i2v", request.RequestUri!.ToString());
        Assert.Equal("Bearer " + Key, request.Headers.Authorization!.ToString());
        using var json = JsonDocument.Parse(body!);
        Assert.Equal(new[] { "prompt", "image", "duration", "resolution", "enable_prompt_expansion", "fast_pretreatment" },
            json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("a \"quoted\" prompt [推进]", json.RootElement.GetProperty("prompt").GetString());
        Assert.Equal("https://images.test/cat.jpg?x=1", json.RootElement.GetProperty("image").GetString());
        Assert.Equal(10, json.RootElement.GetProperty("duration").GetInt32());
        Assert.Equal("768P", json.RootElement.GetProperty("resolution").GetString());
        Assert.False(json.RootElement.GetProperty("enable_prompt_expansion").GetBoolean());
        Assert.True(json.RootElement.GetProperty("fast_pretreatment").GetBoolean());
        Assert.Contains("[推进]", body); // readable, not \u-escaped
    }

    // Each endpoint gets only the fields its reference page lists, in this order: a strict server
    // answers 400 for any other (FakeHighway does too).
    // Every row of the model table, and each row that takes a last frame once more with one; the
    // fields come from the row (FakeHighway's own table, checked equal, is the independent witness).
    public static TheoryData<string, bool, bool, string, string> ModelRows()
    {
        var data = new TheoryData<string, bool, bool, string, string>();
        foreach (var row in HailuoModels.Endpoints)
        {
            foreach (bool withLastFrame in row.TakesLastFrame ? new[] { true, false } : new[] { false })
                data.Add(row.Model, row.TakesImage, withLastFrame, row.Name, string.Join(",", row.Fields.Where(f => withLastFrame || f != "end_image")));
        }
        return data;
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, 120, 0)] // a pause too long to wait for: released uncounted
    [InlineData(HttpStatusCode.ProxyAuthenticationRequired, 0, 0)] // a proxy refused it: Highway never saw it
    [InlineData(HttpStatusCode.BadRequest, 0, 1)] // Highway answered: it counted the request
    public async Task OnlyASubmissionHighwayAnsweredTakesAPlaceInTheRateWindow(HttpStatusCode status, int retryAfterSeconds, int counted)
    {
        _stub.Then(status, """{"reason":"NO"}""", retryAfterSeconds > 0 ? TimeSpan.FromSeconds(retryAfterSeconds) : null);
        var pacer = new RatePacer(TimeSpan.FromSeconds(60));
        var connection = HighwayConnection.Resolve(HighwayConnection.ToSecureString(Key), new Uri("https://api.test/"), null, null);
        var client = new HighwayClient(connection, new RequestGate(1), new RetryPolicy(), null, new HighwayClientOptions { Http = new HttpClient(_stub), PacerFor = _ => pacer });

        await Fails(() => client.SubmitAsync(UrlRequest(), default));

        Assert.Equal(counted, pacer.Accepted);
    }

    [Fact]
    public async Task ARequestHoldingWhatItsEndpointDoesNotTakeIsNeverSent()
    {
        // Only the planner builds requests; this is the body's own guard against a bug that would
        // otherwise send (and bill) a video without the frame or switch that was asked for.
        var url = new RequestImage(new Uri("https://images.test/a.jpg"));
        var wrong = new[]
        {
            new SubmitRequest(HailuoModels.Find(HailuoModels.Hailuo23Fast, true)!, "p", url, null, 6, "768P", true, fastPretreatment: true),
            new SubmitRequest(HailuoModels.Find(HailuoModels.Hailuo23, true)!, "p", url, url, 6, "768P", true, false),
            new SubmitRequest(HailuoModels.Find(HailuoModels.Hailuo23, false)!, "p", url, null, 6, "768P", true, false),
            new SubmitRequest(HailuoModels.Find(HailuoModels.Hailuo23, true)!, "p", null, null, 6, "768P", true, false),
        };
        foreach (var request in wrong)
        {
            var error = await Fails(() => Client().SubmitAsync(request, default));
            Assert.Equal(ErrorIds.HailuoUnexpectedError, error.ErrorId);
            Assert.False(error.MayHaveCreatedTask);
        }
        Assert.Empty(_stub.Requests);
    }

    [Theory]
    [MemberData(nameof(ModelRows))]
    public async Task EachModelAndModeGoesToItsEndpointWithItsOwnFields(string model, bool withImage, bool withLastFrame, string endpoint, string fields)
    {
        _stub.Then(HttpStatusCode.OK, """{"task_id":"t-1"}""");
        var request = new SubmitRequest(HailuoModels.Find(model, withImage)!, "p", withImage ? new RequestImage(new Uri("https://images.test/a.jpg")) : null,
            withLastFrame ? new RequestImage(new Uri("https://images.test/z.jpg")) : null, 6, "768P", true, false);

        await Client().SubmitAsync(request, default);

        var (sent, body) = Assert.Single(_stub.Requests);
        Assert.Equal("https://api.test/base/v3/async/" + endpoint, sent.RequestUri!.ToString());
        using var json = JsonDocument.Parse(body!);
        Assert.Equal(fields, string.Join(",", json.RootElement.EnumerateObject().Select(p => p.Name)));
        if (withLastFrame)
            Assert.Equal("https://images.test/z.jpg", json.RootElement.GetProperty("end_image").GetString());
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, null)]
    [InlineData(HttpStatusCode.ServiceUnavailable, null)]
    [InlineData(HttpStatusCode.InternalServerError, "CREATE_TASK_FAILED")]
    public async Task SubmitIsRetriedOnlyWhenNoTaskWasCreated(HttpStatusCode status, string? reason)
    {
        string json = reason == null ? "" : $$"""{"code":500,"reason":"{{reason}}","message":"m"}""";
        _stub.Times(2, status, json).Then(HttpStatusCode.OK, """{"task_id":"t-2"}""");

        Assert.Equal("t-2", await Client().SubmitAsync(UrlRequest(), default));
        Assert.Equal(3, _stub.Requests.Count);
        Assert.Equal(2, _delays.Count);
    }

    [Fact]
    public async Task ARefusedConnectionIsRetriedBecauseNothingWasSent()
    {
        _stub.Then(new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)))
             .Then(new HttpRequestException("try again", new SocketException((int)SocketError.TryAgain)))
             .Then(HttpStatusCode.OK, """{"task_id":"t-3"}""");

        Assert.Equal("t-3", await Client().SubmitAsync(UrlRequest(), default));
        Assert.Equal(3, _stub.Requests.Count);
    }

    [Fact]
    public async Task AHostNameThatDoesNotExistEndsTheCallAtOnce()
    {
        _stub.Then(new HttpRequestException("no such host", new SocketException((int)SocketError.HostNotFound)))
             .Then(HttpStatusCode.OK, """{"task_id":"t-3"}""");
        var client = Client();

        var error = await Assert.ThrowsAsync<HailuoException>(() => client.SubmitAsync(UrlRequest(), default));
        var next = await Assert.ThrowsAsync<HailuoException>(() => client.GetTaskAsync("t-1", default));

        Assert.Equal((ErrorIds.HailuoServiceUnreachable, true), (error.ErrorId, error.IsTerminating));
        Assert.Contains("does not exist", error.Message);
        Assert.Same(error, next); // the rest of the call fails with it, without asking again
        Assert.Single(_stub.Requests);
        Assert.Empty(_delays);
    }

    [Fact]
    public async Task AWaitsPollsOutlastANetworkThatComesAndGoes()
    {
        // Wait-HailuoTask polls again later anyway: for it a host that is gone for a while (a Wi-Fi
        // reconnect) is a passing failure, and it does not end the call for anyone else.
        for (int i = 0; i < 5; i++)
            _stub.Then(new HttpRequestException("unreachable", new SocketException((int)SocketError.NetworkUnreachable)));
        for (int i = 0; i < 5; i++)
            _stub.Then(new HttpRequestException("no such host", new SocketException((int)SocketError.HostNotFound)));
        _stub.Then(HttpStatusCode.OK, """{"task":{"status":"TASK_STATUS_PROCESSING"}}""");
        var client = Client();

        var gone = await Assert.ThrowsAsync<HailuoException>(() => client.GetTaskAsync("t-1", default, patient: true));
        var stillGone = await Assert.ThrowsAsync<HailuoException>(() => client.GetTaskAsync("t-1", default, patient: true));
        var back = await client.GetTaskAsync("t-1", default, patient: true);

        Assert.Equal((ErrorIds.HailuoServiceUnreachable, false), (gone.ErrorId, gone.IsTerminating));
        Assert.False(stillGone.IsTerminating); // even a name that stopped resolving
        Assert.Equal(HailuoTaskStatus.Processing, back.Status);
        Assert.Equal(11, _stub.Requests.Count); // five attempts each time, then the answer
    }

    [Fact]
    public async Task ConnectionsRefusedThroughEveryAttemptEndTheCallForEveryRequest()
    {
        for (int i = 0; i < 5; i++)
            _stub.Then(new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)));
        var client = Client();

        var error = await Assert.ThrowsAsync<HailuoException>(() => client.SubmitAsync(UrlRequest(), default));
        var next = await Assert.ThrowsAsync<HailuoException>(() => client.SubmitAsync(UrlRequest(), default));

        Assert.Equal((ErrorIds.HailuoServiceUnreachable, true), (error.ErrorId, error.IsTerminating));
        Assert.Contains("Gave up after 5 attempts", error.Message);
        Assert.Contains("Nothing more is sent", error.Message);
        Assert.Same(error, next);
        Assert.Equal(5, _stub.Requests.Count); // not five more for the second item
    }

    public static TheoryData<Func<StubHandler, StubHandler>, string> Unclear => new()
    {
        { s => s.Then(HttpStatusCode.BadGateway), "502" },
        { s => s.Then(HttpStatusCode.GatewayTimeout), "504" },
        { s => s.Then(HttpStatusCode.InternalServerError, """{"reason":"BILLING_FAILED"}"""), "BILLING_FAILED" },
        { s => s.Then(new HttpRequestException("reset", new IOException("Connection reset by peer", new SocketException((int)SocketError.ConnectionReset)))), "Connection reset" },
        { s => s.Then(HttpStatusCode.OK, "<html>ok?</html>"), "without a task id" },
        { s => s.Then(HttpStatusCode.OK, """{"id":"wrong-field"}"""), "without a task id" },
    };

    [Theory]
    [MemberData(nameof(Unclear))]
    public async Task AnUnclearSubmissionIsNeverRetried(Func<StubHandler, StubHandler> script, string mention)
    {
        script(_stub);

        var error = await Fails(() => Client().SubmitAsync(UrlRequest("sunset prompt"), default));

        Assert.Equal(ErrorIds.HailuoSubmitOutcomeUnknown, error.ErrorId);
        Assert.Contains(mention, error.Message + error.ServerReason);
        Assert.Contains("https://images.test/cat.jpg?x=1", error.Message);
        Assert.Contains("sunset prompt", error.Message);
        Assert.Single(_stub.Requests);
        Assert.Empty(_delays);
    }

    [Fact]
    public async Task ASubmissionThatTimesOutIsNeverRetried()
    {
        var slow = new SlowHandler(TimeSpan.FromSeconds(30));
        var connection = HighwayConnection.Resolve(HighwayConnection.ToSecureString(Key), new Uri("https://api.test/"), null, null);
        var client = new HighwayClient(connection, new RequestGate(1), new RetryPolicy(), null, new HighwayClientOptions { Http = new HttpClient(slow), SubmitTimeout = TimeSpan.FromMilliseconds(100) });

        var error = await Fails(() => client.SubmitAsync(UrlRequest(), default));

        Assert.Equal(ErrorIds.HailuoSubmitOutcomeUnknown, error.ErrorId);
        Assert.Contains("no answer within", error.Message);
        Assert.Equal(1, slow.Calls);
    }

    [Fact]
    public async Task ASubmissionWhoseBodyWasCutShortIsRetriedBecauseTheServerNeverHadItWhole()
    {
        var handler = new DropsFirstUploadHandler();
        var connection = HighwayConnection.Resolve(HighwayConnection.ToSecureString(Key), new Uri("https://api.test/"), null, null);
        var retry = new RetryPolicy { Delay = (d, _) => { _delays.Add(d); return Task.CompletedTask; } };
        var client = new HighwayClient(connection, new RequestGate(1), retry, null, new HighwayClientOptions { Http = new HttpClient(handler) });

        string id = await client.SubmitAsync(UrlRequest(), default);

        Assert.Equal("t-2", id);
        Assert.Equal(2, handler.Calls);
        Assert.Single(_delays);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, "ILLEGAL_PROMPT", ErrorIds.HailuoRequestRejected, false)]
    [InlineData(HttpStatusCode.Unauthorized, "INVALID_API_KEY", ErrorIds.HailuoAuthenticationFailed, true)]
    [InlineData(HttpStatusCode.Forbidden, "API_NOT_ALLOWED", ErrorIds.HailuoAuthenticationFailed, true)]
    [InlineData(HttpStatusCode.BadRequest, "MISSING_API_KEY", ErrorIds.HailuoAuthenticationFailed, true)]
    [InlineData(HttpStatusCode.NotFound, "API_NOT_FOUND", ErrorIds.HailuoEndpointNotFound, true)]
    public async Task ClientErrorsAreNotRetried(HttpStatusCode status, string reason, string errorId, bool terminating)
    {
        _stub.Then(status, $$"""{"code":{{(int)status}},"reason":"{{reason}}","message":"server says no"}""");

        var error = await Fails(() => Client().SubmitAsync(UrlRequest(), default));

        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(terminating, error.IsTerminating);
        Assert.Equal(reason, error.ServerReason);
        Assert.Equal("server says no", error.ServerMessage);
        Assert.Single(_stub.Requests);
    }

    [Fact]
    public async Task RetryAfterIsHonouredAndALongOneFailsAtOnce()
    {
        _stub.Then(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(7)).Then(HttpStatusCode.OK, """{"task_id":"t"}""");
        await Client().SubmitAsync(UrlRequest(), default);
        Assert.Equal(new[] { TimeSpan.FromSeconds(7) }, _delays);

        _stub.Then(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(61));
        var error = await Fails(() => Client().SubmitAsync(UrlRequest(), default));
        Assert.Equal(ErrorIds.HailuoRateLimited, error.ErrorId);
        Assert.Contains("61 s", error.Message);
        Assert.Single(_delays);
    }

    [Fact]
    public async Task AttemptsAreBoundedAtFive()
    {
        _stub.Times(5, HttpStatusCode.TooManyRequests);

        var error = await Fails(() => Client().SubmitAsync(UrlRequest(), default));

        Assert.Equal(ErrorIds.HailuoRateLimited, error.ErrorId);
        Assert.Equal(5, _stub.Requests.Count);
        Assert.Equal(4, _delays.Count);
        Assert.Contains("5 attempts", error.Message);
    }

    [Fact]
    public void BackoffGrowsExponentiallyWithJitterAndIsCapped()
    {
        var policy = new RetryPolicy();
        for (int attempt = 1; attempt <= 8; attempt++)
        {
            double nominal = Math.Min(30, Math.Pow(2, attempt - 1));
            for (int sample = 0; sample < 50; sample++)
            {
                double seconds = policy.BackoffAfter(attempt).TotalSeconds;
                Assert.InRange(seconds, Math.Min(nominal * 0.75, 30), Math.Min(nominal * 1.25, 30));
            }
        }
        var spread = Enumerable.Range(0, 50).Select(_ => policy.BackoffAfter(3)).Distinct().Count();
        Assert.True(spread > 1, "jitter must vary the delay");
    }

    [Fact]
    public async Task ReadsAreRetriedOnAnyTransientFailure()
    {
        _stub.Then(HttpStatusCode.InternalServerError)
             .Then(HttpStatusCode.OK, "<html>proxy</html>")
             .Then(new HttpRequestException("reset", new IOException("reset")))
             .Then(HttpStatusCode.TooManyRequests)
             .Then(HttpStatusCode.OK, """{"task":{"task_id":"t","status":"TASK_STATUS_PROCESSING","progress_percent":10}}""");

        var state = await Client().GetTaskAsync("t", default);

        Assert.Equal(HailuoTaskStatus.Processing, state.Status);
        Assert.Equal(5, _stub.Requests.Count);
        Assert.Equal("https://api.test/base/v3/async/task-result?task_id=t", _stub.Requests[0].Request.RequestUri!.ToString());
    }

    [Fact]
    public async Task TaskIdsAreEscapedInTheQuery()
    {
        _stub.Then(HttpStatusCode.OK, """{"task":{"status":"TASK_STATUS_QUEUED"}}""");
        await Client().GetTaskAsync("a&b=c/d", default);
        Assert.Equal("task_id=a%26b%3Dc%2Fd", _stub.Requests[0].Request.RequestUri!.Query.TrimStart('?'));
    }

    [Fact]
    public async Task AnUnknownTaskIsNotRetried()
    {
        _stub.Then(HttpStatusCode.NotFound, """{"code":404,"reason":"TASK_NOT_FOUND","message":"no"}""");
        var error = await Fails(() => Client().GetTaskAsync("gone", default));
        Assert.Equal(ErrorIds.HailuoTaskNotFound, error.ErrorId);
        Assert.False(error.IsTerminating);
        Assert.Single(_stub.Requests);
    }

    [Fact]
    public async Task AnOversizedAnswerIsRefused()
    {
        string huge = """{"task":{"status":"TASK_STATUS_QUEUED"},"pad":" """ + new string('x', HighwayClient.MaxResultBodyBytes) + "\"}";
        _stub.Times(5, HttpStatusCode.OK, huge);

        var error = await Fails(() => Client().GetTaskAsync("t", default));

        Assert.Equal(ErrorIds.HailuoResponseInvalid, error.ErrorId);
        Assert.Contains("larger than", error.Message);
    }

    [Fact]
    public async Task AKeyEchoedByTheServerIsScrubbed()
    {
        _stub.Then(HttpStatusCode.Forbidden, $$"""{"reason":"INVALID_API_KEY","message":"key {{Key}} is not valid"}""");

        var error = await Fails(() => Client().SubmitAsync(UrlRequest(), default));

        Assert.DoesNotContain(Key, error.Message);
        Assert.DoesNotContain(Key, error.ServerMessage);
        Assert.Contains("***", error.ServerMessage);
    }

    [Fact]
    public void ConnectionFailuresAreClassified()
    {
        Assert.True(HighwayClient.NeverConnected(new HttpRequestException("x", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.True(HighwayClient.NeverConnected(new WebException("x", WebExceptionStatus.NameResolutionFailure)));
        Assert.False(HighwayClient.NeverConnected(new HttpRequestException("x", new IOException("y", new SocketException((int)SocketError.ConnectionReset)))));
        Assert.False(HighwayClient.NeverConnected(new TimeoutException()));
    }

    /// <summary>Fails the first request before reading its body (a drop mid-upload), then answers.</summary>
    private sealed class DropsFirstUploadHandler : HttpMessageHandler
    {
        public int Calls;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref Calls) == 1)
                throw new HttpRequestException("connection reset", new IOException("reset"));
            await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"task_id":"t-2"}""") };
        }
    }

    private sealed class SlowHandler(TimeSpan delay) : HttpMessageHandler
    {
        public int Calls;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            if (request.Content != null)
                await request.Content.ReadAsByteArrayAsync(cancellationToken); // the whole body arrives, then no answer
            await Task.Delay(delay, cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }
}
