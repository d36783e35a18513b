// The fault suite: a batch under each kind of trouble. Every case ends with Invariants.Hold:
// no image billed twice, the key in no stream or file, no temporary file left behind; and each
// case asserts that every paid result reached the user (a video on disk, or a clear error that
// names the image when the outcome cannot be known).
using FakeHighway;
using Xunit;
using Xunit.Abstractions;

namespace HighwayHailuo.Tests;

public sealed class FaultSuiteTests(ITestOutputHelper output)
{
    /// <summary>Checks the invariants and logs the counts docs/reliability.md reports.</summary>
    private (int Submissions, int Images) Hold(FakeHighwayServer fake, PowerShellSession session, params RunResult[] runs)
    {
        var counts = Invariants.Hold(fake, session, runs);
        output.WriteLine($"submissions {counts.Submissions}, distinct images and parameters {counts.Images}, duplicates 0, key leaks 0, stray files 0");
        return counts;
    }

    private const string Pipeline = "[IO.Directory]::GetFiles($PWD.Path, '*.png') | New-HailuoVideo -Prompt p -Journal run.jsonl {0} | Wait-HailuoTask -PollInterval 0.1 {1} | Save-HailuoVideo videos -SkipExisting {2}";

    private static FakeHighwayOptions Quick() => new() { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(200) };

    private static async Task<(FakeHighwayServer, PowerShellSession)> StartAsync(int images, FakeHighwayOptions? options = null, long padTo = 0)
    {
        var fake = await FakeHighwayServer.StartAsync(options ?? Quick());
        var session = new PowerShellSession(fake);
        for (int i = 0; i < images; i++)
            TestImages.Write(session.WorkDir, $"i{i}.png", TestImages.Png(400, 320 + i, padTo));
        return (fake, session);
    }

    private static string Run(string newArgs = "", string waitArgs = "", string saveArgs = "") => string.Format(Pipeline, newArgs, waitArgs, saveArgs);

    private static string[] Videos(PowerShellSession session) =>
        Directory.Exists(Path.Combine(session.WorkDir, "videos")) ? Directory.GetFiles(Path.Combine(session.WorkDir, "videos")) : Array.Empty<string>();

    [Fact]
    public async Task A429StormIsWaitedOut()
    {
        var options = Quick();
        options.SubmitRateLimit = 2; // per 2 s, the tests' rate window
        options.SubmitRateWindow = TimeSpan.FromSeconds(2);
        var (fake, session) = await StartAsync(6, options);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;

        var result = session.Run(Run("-ThrottleLimit 6"));

        result.ThrowIfFailed();
        Assert.Equal(6, Videos(session).Length);
        Assert.True(fake.RateLimitedSubmits >= 1);
        Assert.Equal((6, 6), Hold(fake, session, result));
    }

    [Fact]
    public async Task A5xxBurstOnEveryEndpointIsRetriedWhereItIsSafe()
    {
        var (fake, session) = await StartAsync(3);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;
        FaultScript.Add(fake.Faults.Submit, Fault.Status(503), 2);
        FaultScript.Add(fake.Faults.Submit, Fault.Status(500, "CREATE_TASK_FAILED"), 1);
        FaultScript.Add(fake.Faults.Result, Fault.Status(500, "GET_RESULT_FAILED"), 3);
        FaultScript.Add(fake.Faults.Video, Fault.Status(503), 2);

        var result = session.Run(Run());

        result.ThrowIfFailed();
        Assert.Equal(3, Videos(session).Length);
        Assert.Equal((3, 3), Hold(fake, session, result));
    }

    [Theory]
    [InlineData("502 after the task was created")]
    [InlineData("connection dropped after the task was created")]
    [InlineData("HTML page with 200")]
    public async Task AnUnclearSubmissionIsRecordedAsUnknownAndNeverSentAgain(string fault)
    {
        var (fake, session) = await StartAsync(3);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;
        fake.Faults.Submit.Enqueue(fault switch
        {
            "502 after the task was created" => Fault.StatusAfterCreate(502),
            "connection dropped after the task was created" => Fault.DropAfterCreate(),
            _ => Fault.Body("<html><body>Gateway</body></html>"),
        });

        var first = session.Run(Run("-ThrottleLimit 1"));
        var again = session.Run(Run());

        var unknown = Assert.Single(first.Errors);
        Assert.Equal("HailuoSubmitOutcomeUnknown", unknown.ErrorId());
        Assert.Contains(".png", unknown.Exception.Message);
        // The rerun sends nothing for it: it says so again, and everything else is already done.
        Assert.Equal("HailuoSubmitOutcomeUnknown", Assert.Single(again.Errors).ErrorId());
        Assert.Equal(2, Videos(session).Length);
        Assert.Equal(3, fake.SubmitRequestCount);
        Hold(fake, session, first, again);
    }

    [Fact]
    public async Task AConnectionDroppedMidUploadIsRetriedBecauseTheServerNeverHadTheWholeBody()
    {
        // Large enough that the body cannot sit whole in socket buffers when the server hangs up.
        var (fake, session) = await StartAsync(1, padTo: 12L * 1024 * 1024);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;
        fake.Faults.Submit.Enqueue(Fault.DropDuringUpload());

        var result = session.Run(Run());

        result.ThrowIfFailed();
        Assert.Equal(2, fake.SubmitRequestCount);
        Assert.Single(Videos(session));
        Assert.Equal((1, 1), Hold(fake, session, result));
    }

    [Fact]
    public async Task ADownloadDroppedHalfWayResumesWithARangeRequest()
    {
        var options = Quick();
        options.VideoBytes = 3L * 1024 * 1024;
        var (fake, session) = await StartAsync(1, options);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;
        fake.Faults.Video.Enqueue(Fault.Drop());

        var result = session.Run(Run());

        result.ThrowIfFailed();
        var file = Assert.Single(result.Objects<FileInfo>());
        Assert.Equal(VideoContent.Expected(fake.Submissions[0].TaskId!, options.VideoBytes), File.ReadAllBytes(file.FullName));
        var video = fake.Requests.Where(r => r.Host == "video").ToList();
        Assert.Equal(2, video.Count);
        Assert.Null(video[0].Range);
        Assert.Matches(@"^bytes=[1-9]\d*-$", video[1].Range);
        Hold(fake, session, result);
    }

    [Fact]
    public async Task AnExpiredVideoLinkIsRenewedAndTheDownloadGoesOn()
    {
        var (fake, session) = await StartAsync(2);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;
        var tasks = session.Run("[IO.Directory]::GetFiles($PWD.Path, '*.png') | New-HailuoVideo -Prompt p -Journal run.jsonl | Wait-HailuoTask -PollInterval 0.1");
        tasks.ThrowIfFailed();
        fake.ExpireVideoLinks();

        var saved = session.Run("$args[0] | Save-HailuoVideo videos", (object)tasks.Output.ToArray());

        saved.ThrowIfFailed();
        Assert.Equal(2, Videos(session).Length);
        Assert.Contains(fake.Requests, r => r.Host == "video" && r.Status == 403);
        Hold(fake, session, tasks, saved);
    }

    [Fact]
    public async Task AStalledServerIsDroppedAfterTimeoutSecAndTheReadsAndDownloadsRetried()
    {
        var options = Quick();
        options.VideoBytes = 1024 * 1024;
        var (fake, session) = await StartAsync(1, options);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;
        fake.Faults.Result.Enqueue(Fault.Wait(TimeSpan.FromSeconds(20)));
        fake.Faults.Video.Enqueue(Fault.Stall(TimeSpan.FromSeconds(20)));

        var result = session.Run(Run("", "-TimeoutSec 1", "-TimeoutSec 1"));

        result.ThrowIfFailed();
        var file = Assert.Single(result.Objects<FileInfo>());
        Assert.Equal(VideoContent.Expected(fake.Submissions[0].TaskId!, options.VideoBytes), File.ReadAllBytes(file.FullName));
        Assert.Contains(fake.Requests, r => r.Host == "video" && r.Range != null); // resumed after the stall
        Hold(fake, session, result);
    }

    [Fact]
    public async Task AStalledSubmissionIsAnUnknownOutcomeNotARetry()
    {
        var (fake, session) = await StartAsync(1);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;
        fake.Faults.Submit.Enqueue(Fault.Wait(TimeSpan.FromSeconds(20)));

        var result = session.Run("New-HailuoVideo i0.png -Prompt p -Journal run.jsonl -TimeoutSec 1");

        Assert.Equal("HailuoSubmitOutcomeUnknown", Assert.Single(result.Errors).ErrorId());
        Assert.Contains("no answer within 1 s", result.Errors[0].Exception.Message);
        // FakeHighway records a request when its handler ends, which is when it notices the client left.
        Eventually.WaitFor(() => fake.SubmitRequestCount >= 1, "the abandoned submission to be recorded");
        Assert.Equal(1, fake.SubmitRequestCount);
        Assert.Contains("\"state\":\"unknown\"", File.ReadAllText(Path.Combine(session.WorkDir, "run.jsonl")));
        Hold(fake, session, result);
    }

    [Fact]
    public async Task ATaskQueuedPastTheTimeoutIsReportedAndPickedUpLaterFromTheJournal()
    {
        var options = new FakeHighwayOptions { QueuedFor = TimeSpan.FromSeconds(3), ProcessingFor = TimeSpan.FromMilliseconds(200) };
        var (fake, session) = await StartAsync(2, options);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;

        var first = session.Run(Run("", "-Timeout 1"));
        var timeouts = first.Errors.Where(e => e.FullyQualifiedErrorId.StartsWith("HailuoWaitTimeout", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, timeouts.Count);
        Assert.All(timeouts, e => Assert.IsType<HailuoTask>(e.TargetObject));

        using var later = new PowerShellSession(fake); // a new session: only the journal connects the two
        File.Copy(Path.Combine(session.WorkDir, "run.jsonl"), Path.Combine(later.WorkDir, "run.jsonl"));
        var resumed = later.Run("Get-HailuoTask -Journal run.jsonl | Wait-HailuoTask -PollInterval 0.2 | Save-HailuoVideo videos");

        resumed.ThrowIfFailed();
        Assert.Equal(2, resumed.Objects<FileInfo>().Length);
        Assert.Equal(2, fake.Submissions.Count);
        Hold(fake, session, first);
        Hold(fake, later, resumed);
    }

    [Theory]
    [InlineData("not json", "HailuoResponseInvalid")]
    [InlineData("", "HailuoResponseInvalid")]
    [InlineData("{\"task\":{\"task_id\":7,\"status\":[1]}}", "HailuoResponseInvalid")]
    [InlineData("oversized", "HailuoResponseInvalid")]
    public async Task MalformedAndOversizedAnswersAreHailuoResponseInvalid(string body, string errorId)
    {
        var (fake, session) = await StartAsync(1);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;
        if (body == "oversized")
            body = "{\"task\":{\"task_id\":\"x\",\"status\":\"TASK_STATUS_QUEUED\"},\"pad\":\"" + new string('x', 2 * 1024 * 1024) + "\"}";
        FaultScript.Add(fake.Faults.Result, Fault.Body(body), 5); // every attempt of the first Get

        var result = session.Run("New-HailuoVideo i0.png -Prompt p -Journal run.jsonl | Get-HailuoTask");

        Assert.Equal(errorId, Assert.Single(result.Errors).ErrorId());
        Assert.Single(fake.Submissions);
        // The paid task is not lost: the journal has it, and it can be fetched once the server behaves.
        var later = session.Run("Get-HailuoTask -Journal run.jsonl");
        later.ThrowIfFailed();
        Assert.Equal(fake.Submissions[0].TaskId, Assert.Single(later.Objects<HailuoTask>()).TaskId);
        Hold(fake, session, result, later);
    }

    [Fact]
    public async Task AHostileVideoTypeCannotWriteOutsideTheDestination()
    {
        var options = Quick();
        options.VideoType = "../../x";
        var (fake, session) = await StartAsync(1, options);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;

        var result = session.Run(Run());

        result.ThrowIfFailed();
        var file = Assert.Single(result.Objects<FileInfo>());
        Assert.Equal(Path.Combine(session.WorkDir, "videos"), file.DirectoryName);
        Assert.Equal(".mp4", file.Extension);
        // run.jsonl.lock is the journal's own: its claims, shared with other processes.
        Assert.Equal(new[] { "i0.png", "run.jsonl", "run.jsonl.lock", "videos" }, Directory.GetFileSystemEntries(session.WorkDir).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
        Hold(fake, session, result);
    }

    [Theory]
    [InlineData("submit")]
    [InlineData("wait")]
    [InlineData("save")]
    public async Task CtrlCAtEveryStageThenTheSameCommandWithTheJournalFinishesTheBatch(string stage)
    {
        var options = Quick();
        options.SubmitLatency = stage == "submit" ? TimeSpan.FromSeconds(30) : TimeSpan.Zero;
        options.QueuedFor = stage == "wait" ? TimeSpan.FromSeconds(4) : TimeSpan.Zero; // tasks keep the life they were created with
        options.VideoBytes = stage == "save" ? 20L * 1024 * 1024 : 64 * 1024;
        options.VideoBytesPerSecond = stage == "save" ? 1024 * 1024 : 0;
        var (fake, session) = await StartAsync(3, options);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;

        using var running = session.Start(Run("-ThrottleLimit 3"));
        Eventually.WaitFor(stage switch
        {
            "submit" => () => fake.MaxConcurrentSubmits == 3,
            "wait" => () => fake.ResultRequestCount >= 3,
            _ => () => Directory.Exists(Path.Combine(session.WorkDir, "videos")) && Directory.GetFiles(Path.Combine(session.WorkDir, "videos"), "*.partial").Length > 0,
        }, stage);
        var stopped = running.Stop();
        Assert.NotNull(stopped.Stopped);

        // The server gets quick again; the user runs the same command.
        options.SubmitLatency = TimeSpan.Zero;
        options.QueuedFor = TimeSpan.Zero;
        options.VideoBytesPerSecond = 0;
        var resumed = session.Run(Run());
        if (stage == "submit")
        {
            // Stopped after the bodies were sent: the journal cannot know, so nothing is resent
            // without the user's word. (FakeHighway created nothing: the requests were cancelled.)
            Assert.Equal(3, resumed.Errors.Count(e => e.FullyQualifiedErrorId.StartsWith("HailuoSubmitOutcomeUnknown", StringComparison.Ordinal)));
            Assert.Empty(fake.Submissions);
            resumed = session.Run(Run("-Force"));
        }

        resumed.ThrowIfFailed();
        Assert.Equal(3, Videos(session).Length);
        Assert.Equal(3, resumed.Objects<FileInfo>().Length);
        Assert.Equal((3, 3), Hold(fake, session, stopped, resumed));
    }
}
