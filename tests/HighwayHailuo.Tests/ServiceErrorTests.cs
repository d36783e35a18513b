// How the module answers a misbehaving service, through the real engine: what it retries, what it
// never retries (a retry could bill twice), and the ErrorId each case ends in.
using System.Management.Automation;
using FakeHighway;
using Xunit;
using HighwayHailuo.Errors;

namespace HighwayHailuo.Tests;

public sealed class ServiceErrorTests
{
    private const string New = "HighwayHailuo.Commands.NewHailuoVideoCommand";
    private const string Get = "HighwayHailuo.Commands.GetHailuoTaskCommand";
    private const string Wait = "HighwayHailuo.Commands.WaitHailuoTaskCommand";

    private static async Task<(FakeHighwayServer Fake, PowerShellSession Session)> StartAsync(FakeHighwayOptions? options = null)
    {
        var fake = await FakeHighwayServer.StartAsync(options);
        var session = new PowerShellSession(fake);
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));
        TestImages.Write(session.WorkDir, "b.png", TestImages.Png(400, 330));
        return (fake, session);
    }

    [Theory]
    [InlineData(429, null, 1)]
    [InlineData(503, null, 0)]
    [InlineData(500, "CREATE_TASK_FAILED", null)]
    public async Task SubmissionsThatProvablyCreatedNothingAreRetried(int status, string? reason, int? retryAfter)
    {
        var (fake, session) = await StartAsync();
        await using var _ = fake;
        using var __ = session;
        FaultScript.Add(fake.Faults.Submit, Fault.Status(status, reason, retryAfter), times: 2);

        var result = session.Run("New-HailuoVideo a.png -Prompt p");

        result.ThrowIfFailed();
        Assert.Single(result.Objects<HailuoTask>());
        Assert.Equal(3, fake.SubmitRequestCount);
        Assert.Single(fake.Submissions);
    }

    [Theory]
    [InlineData(429, "HailuoRateLimited", ErrorCategory.LimitsExceeded)]
    [InlineData(503, "HailuoServiceUnavailable", ErrorCategory.ResourceUnavailable)]
    public async Task RetriesAreBoundedAndThePipelineGoesOn(int status, string errorId, ErrorCategory category)
    {
        var (fake, session) = await StartAsync();
        await using var _ = fake;
        using var __ = session;
        FaultScript.Add(fake.Faults.Submit, Fault.Status(status), times: 5);

        var result = session.Run("'a.png', 'b.png' | New-HailuoVideo -Prompt p -ThrottleLimit 1");

        Assert.Null(result.Terminating);
        var error = Assert.Single(result.Errors);
        Assert.Equal(errorId + "," + New, error.FullyQualifiedErrorId);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.Equal("a.png", error.TargetObject);
        Assert.Contains("5 attempts", error.Exception.Message);
        Assert.Equal("b.png", Path.GetFileName(Assert.Single(result.Objects<HailuoTask>()).SourceImage));
        Assert.Equal(6, fake.SubmitRequestCount);
    }

    [Fact]
    public async Task ALongRetryAfterFailsNowAndSaysWhen()
    {
        var (fake, session) = await StartAsync();
        await using var _ = fake;
        using var __ = session;
        fake.Faults.Submit.Enqueue(Fault.Status(429, retryAfterSeconds: 600));

        var result = session.Run("New-HailuoVideo a.png -Prompt p");

        var error = Assert.Single(result.Errors);
        Assert.Equal("HailuoRateLimited," + New, error.FullyQualifiedErrorId);
        Assert.Contains("600 s", error.Exception.Message);
        Assert.Contains("try again after", error.Exception.Message);
        Assert.Equal(1, fake.SubmitRequestCount);
    }

    public static TheoryData<Fault> UnclearOutcomes => new()
    {
        Fault.StatusAfterCreate(502),
        Fault.StatusAfterCreate(504),
        Fault.StatusAfterCreate(500),
        Fault.DropAfterCreate(),
        Fault.Body("<html>gateway</html>"),
    };

    [Theory]
    [MemberData(nameof(UnclearOutcomes))]
    public async Task AnUnclearSubmissionIsNeverRetried(Fault fault)
    {
        var (fake, session) = await StartAsync();
        await using var _ = fake;
        using var __ = session;
        fake.Faults.Submit.Enqueue(fault);

        var result = session.Run("'a.png', 'b.png' | New-HailuoVideo -Prompt 'sea at dusk' -Duration 10 -ThrottleLimit 1");

        var error = Assert.Single(result.Errors);
        Assert.Equal("HailuoSubmitOutcomeUnknown," + New, error.FullyQualifiedErrorId);
        Assert.Equal("a.png", error.TargetObject);
        // The message names the image and its parameters so the user can decide.
        Assert.Contains(Path.Combine(session.WorkDir, "a.png"), error.Exception.Message);
        Assert.Contains("10 s", error.Exception.Message);
        Assert.Contains("768P", error.Exception.Message);
        Assert.Contains("sea at dusk", error.Exception.Message);
        Assert.Contains("not retried", error.Exception.Message);
        Assert.Equal(2, fake.SubmitRequestCount); // a.png once, b.png once
        Assert.Single(result.Objects<HailuoTask>());
    }

    [Fact]
    public async Task ARefusedConnectionIsRetriedBecauseNothingWasSent()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));
        // A port nothing listens on: every attempt is refused before a byte is sent.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var result = session.Run("New-HailuoVideo a.png -Prompt p -BaseUri $args[0] -Verbose", $"http://127.0.0.1:{port}/");

        // Retried, since nothing was sent; then the host is shown unreachable and the call ends.
        var error = result.Terminating;
        Assert.Equal("HailuoServiceUnreachable," + New, error?.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error!.CategoryInfo.Category);
        Assert.Empty(result.Errors);
        Assert.Equal(4, result.Verbose.Count(v => v.Contains("Retrying")));
    }

    [Fact]
    public async Task ARejectedRequestCarriesTheServersReasonInErrorDetails()
    {
        var (fake, session) = await StartAsync();
        await using var _ = fake;
        using var __ = session;
        fake.Faults.Submit.Enqueue(Fault.Status(400, "ILLEGAL_PROMPT"));

        var result = session.Run("'a.png', 'b.png' | New-HailuoVideo -Prompt p -ThrottleLimit 1");

        var error = Assert.Single(result.Errors);
        Assert.Equal("HailuoRequestRejected," + New, error.FullyQualifiedErrorId);
        Assert.Contains("ILLEGAL_PROMPT", error.ErrorDetails.Message);
        Assert.Contains("scripted fault", error.ErrorDetails.Message);
        var exception = Assert.IsType<HailuoException>(error.Exception);
        Assert.Equal((400, "ILLEGAL_PROMPT"), (exception.StatusCode!.Value, exception.ServerReason!));
        Assert.Single(result.Objects<HailuoTask>());
        Assert.Equal(2, fake.SubmitRequestCount);
    }

    [Fact]
    public async Task AWrongKeyStopsTheCallAndNamesWhereTheKeyCameFrom()
    {
        var (fake, session) = await StartAsync();
        await using var _ = fake;
        using var __ = session;
        const string wrongKey = "wrong-key-DO-NOT-LEAK-123";

        var result = session.Run("'a.png', 'b.png' | New-HailuoVideo -Prompt p -ApiKey $args[0] -ThrottleLimit 1", wrongKey);

        Assert.Equal("HailuoAuthenticationFailed," + New, result.Terminating?.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, result.Terminating!.CategoryInfo.Category);
        Assert.Contains("-ApiKey parameter", result.Terminating.Exception.Message);
        Assert.Contains("INVALID_API_KEY", result.Terminating.Exception.Message);
        Assert.Equal(1, fake.SubmitRequestCount); // b.png was never sent
        Assert.DoesNotContain(result.AllText(), t => t.Contains(wrongKey));
    }

    [Fact]
    public async Task AuthenticationFailureStopsWaitAndGetToo()
    {
        var (fake, session) = await StartAsync();
        await using var _ = fake;
        using var __ = session;
        fake.Faults.Result.Enqueue(Fault.Status(401, "INVALID_API_KEY"));
        fake.Faults.Result.Enqueue(Fault.Status(403, "API_NOT_ALLOWED"));

        var get = session.Run("Get-HailuoTask some-task");
        var wait = session.Run("Wait-HailuoTask other-task");

        Assert.Equal("HailuoAuthenticationFailed," + Get, get.Terminating?.FullyQualifiedErrorId);
        Assert.Equal("HailuoAuthenticationFailed," + Wait, wait.Terminating?.FullyQualifiedErrorId);
        Assert.Contains("Connect-Highway", get.Terminating!.Exception.Message);
    }

    [Fact]
    public async Task ReadsAreRetriedThroughTransientFailures()
    {
        var (fake, session) = await StartAsync(new FakeHighwayOptions { QueuedFor = TimeSpan.FromMinutes(1) });
        await using var _ = fake;
        using var __ = session;
        fake.Faults.Result.Enqueue(Fault.Status(500));
        fake.Faults.Result.Enqueue(Fault.Drop());
        fake.Faults.Result.Enqueue(Fault.Body("<html>proxy error</html>"));
        fake.Faults.Result.Enqueue(Fault.Status(429, retryAfterSeconds: 0));

        var result = session.Run("New-HailuoVideo a.png -Prompt p | Get-HailuoTask");

        result.ThrowIfFailed();
        Assert.Equal(HailuoTaskStatus.Queued, result.Objects<HailuoTask>().Last().Status);
        Assert.Equal(5, fake.ResultRequestCount);
    }

    [Fact]
    public async Task AMalformedAnswerThatNeverRecoversIsHailuoResponseInvalid()
    {
        var (fake, session) = await StartAsync();
        await using var _ = fake;
        using var __ = session;
        FaultScript.Add(fake.Faults.Result, Fault.Body("""{"task": "not an object"}"""), times: 5);

        var result = session.Run("Get-HailuoTask some-task");

        Assert.Equal(new[] { "HailuoResponseInvalid," + Get }, result.ErrorIds);
        Assert.Equal(5, fake.ResultRequestCount);
    }

    [Fact]
    public async Task WaitKeepsWaitingThroughAnOutageAndWarnsOnce()
    {
        var (fake, session) = await StartAsync(new FakeHighwayOptions { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(300) });
        await using var _ = fake;
        using var __ = session;
        // More failures in a row than one read's five attempts.
        FaultScript.Add(fake.Faults.Result, Fault.Status(502), times: 7);

        var result = session.Run("New-HailuoVideo a.png -Prompt p | Wait-HailuoTask -PollInterval 0.1");

        result.ThrowIfFailed();
        Assert.Equal(HailuoTaskStatus.Succeeded, Assert.Single(result.Objects<HailuoTask>()).Status);
        Assert.Single(result.Warnings);
    }
}
