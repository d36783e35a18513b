// One retry rule for every request the module makes: the API client and the video downloader
// wait out a short Retry-After, give up at once on a long one (saying when to come back), and stop
// after the same number of attempts. Each kind of request is one row.
using System.Net;
using HighwayHailuo.Api;
using HighwayHailuo.FlowControl;
using HighwayHailuo.Errors;
using HighwayHailuo.Saving;
using Xunit;

namespace HighwayHailuo.UnitTests;

public sealed class RetryRuleTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("hailuo-retry-").FullName;
    private readonly List<TimeSpan> _delays = new();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string> Kinds => new() { "submit", "task-result", "download" };

    private RetryPolicy Policy() => new() { Delay = (d, _) => { lock (_delays) _delays.Add(d); return Task.CompletedTask; } };

    /// <summary>One request of the named kind against the stub's script.</summary>
    private async Task Send(string kind, StubHandler stub)
    {
        var http = new HttpClient(stub);
        if (kind == "download")
        {
            var downloader = new VideoDownloader(new RequestGate(1), Policy(), null, new DownloadOptions { Http = http });
            await downloader.DownloadAsync("t-1", new Uri("https://cdn.test/v.mp4"), Path.Combine(_folder, Guid.NewGuid() + ".mp4"), overwrite: false,
                _ => Task.FromResult<Uri?>(null), default);
            return;
        }
        var connection = HighwayConnection.Resolve(HighwayConnection.ToSecureString("retry-test-key"), new Uri("https://api.test/"), null, null);
        var client = new HighwayClient(connection, new RequestGate(1), Policy(), null, new HighwayClientOptions { Http = http });
        if (kind == "submit")
            await client.SubmitAsync(Requests.ImageToVideo("p", null, new Uri("https://images.test/a.jpg"), 6, "768P", true, false), default);
        else
            await client.GetTaskAsync("t-1", default);
    }

    private static StubHandler Success(StubHandler stub, string kind) => kind switch
    {
        "download" => stub.ThenVideo(new byte[4096]),
        "submit" => stub.Then(HttpStatusCode.OK, """{"task_id":"t-1"}"""),
        _ => stub.Then(HttpStatusCode.OK, """{"task":{"task_id":"t-1","status":"TASK_STATUS_QUEUED"}}"""),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task AShortRetryAfterIsWaitedOut(string kind)
    {
        var stub = Success(new StubHandler().Then(HttpStatusCode.ServiceUnavailable, retryAfter: TimeSpan.FromSeconds(7)), kind);

        await Send(kind, stub);

        Assert.Equal(new[] { TimeSpan.FromSeconds(7) }, _delays);
        Assert.Equal(2, stub.Requests.Count);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ALongRetryAfterFailsAtOnceSayingWhenToComeBack(string kind)
    {
        var stub = new StubHandler().Then(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(61));

        var error = await Assert.ThrowsAsync<HailuoException>(() => Send(kind, stub));

        Assert.Contains("asked to wait 61 s; try again after", error.Message);
        Assert.Empty(_delays);
        Assert.Single(stub.Requests);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task AttemptsStopAtTheSameBound(string kind)
    {
        var stub = new StubHandler().Times(new RetryPolicy().MaxAttempts, HttpStatusCode.BadGateway);

        var error = await Assert.ThrowsAsync<HailuoException>(() => Send(kind, stub));

        // A submission is never retried after a 502 (it may have made a task): one attempt, said so.
        int expected = kind == "submit" ? 1 : new RetryPolicy().MaxAttempts;
        Assert.Equal(expected, stub.Requests.Count);
        Assert.Equal(expected - 1, _delays.Count);
        if (kind != "submit")
            Assert.Contains($"Gave up after {expected} attempts", error.Message);
        else
            Assert.Equal(ErrorIds.HailuoSubmitOutcomeUnknown, error.ErrorId);
    }
}
