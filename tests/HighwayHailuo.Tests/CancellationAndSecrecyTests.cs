// Ctrl+C (PowerShell.Stop) reaches every request, delay and download; the key never leaks.
using System.Diagnostics;
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class CancellationAndSecrecyTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // Generous: the point is that Stop returns while the server would have kept it busy for minutes.
    private static readonly TimeSpan s_stopBound = TimeSpan.FromSeconds(10);

    private RunResult StopAndCollect(RunningScript running, out TimeSpan took, [System.Runtime.CompilerServices.CallerMemberName] string stage = "")
    {
        var clock = Stopwatch.StartNew();
        var result = running.Stop();
        took = clock.Elapsed;
        output.WriteLine($"{stage}: Stop() returned after {took.TotalMilliseconds:0} ms");
        return result;
    }

    [Fact]
    public async Task CtrlCStopsASubmissionInFlight()
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions { SubmitLatency = TimeSpan.FromMinutes(3) });
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));

        using var running = session.Start("New-HailuoVideo a.png -Prompt p");
        Eventually.WaitFor(() => fake.Requests.Count > 0 || fake.Submissions.Count > 0 || PendingSubmit(fake), "the submission to reach the server");
        var result = StopAndCollect(running, out var took);

        Assert.NotNull(result.Stopped);
        Assert.True(took < s_stopBound, $"Stop took {took}");
        // The server sees the request end (its connection closed by Ctrl+C) long before it would have
        // made a task: a signal that the cancel reached the wire, not a wait for something not to happen.
        Eventually.WaitFor(() => fake.SubmitRequestCount == 1, "the server to see the cancelled request end");
        Assert.Empty(fake.Submissions);
    }

    [Fact]
    public async Task CtrlCStopsWaiting()
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions { QueuedFor = TimeSpan.FromMinutes(10) });
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));

        using var running = session.Start("New-HailuoVideo a.png -Prompt p | Wait-HailuoTask -PollInterval 60");
        Eventually.WaitFor(() => fake.ResultRequestCount > 0, "the first poll");
        var result = StopAndCollect(running, out var took);

        Assert.NotNull(result.Stopped);
        Assert.True(took < s_stopBound, $"Stop took {took}");
        // That nothing keeps polling afterwards is the cmdlet's Dispose waiting for its background work
        // (BackgroundWorkTests); a count compared here could not fail within a 60 s poll interval.
    }

    [Fact]
    public async Task CtrlCStopsADownloadAndLeavesNoPartialFile()
    {
        var options = new FakeHighwayOptions
        {
            QueuedFor = TimeSpan.Zero,
            ProcessingFor = TimeSpan.FromMilliseconds(100),
            VideoBytes = 50L * 1024 * 1024,
            VideoBytesPerSecond = 512 * 1024,
        };
        await using var rig = await FakeRig.StartAsync(options);
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));
        string videos = Path.Combine(session.WorkDir, "videos");

        using var running = session.Start("New-HailuoVideo a.png -Prompt p | Wait-HailuoTask -PollInterval 0.1 | Save-HailuoVideo videos");
        Eventually.WaitFor(() => Directory.Exists(videos) && Directory.GetFiles(videos, "*.partial").Any(f => new FileInfo(f).Length > 0), "the download to start");
        var result = StopAndCollect(running, out var took);

        Assert.NotNull(result.Stopped);
        Assert.True(took < s_stopBound, $"Stop took {took}");
        Eventually.WaitFor(() => Directory.GetFiles(videos).Length == 0, "the partial file to be removed");
        Assert.Empty(Directory.GetFiles(videos));
    }

    [Fact]
    public async Task TheKeyAppearsInNoStreamNoFileAndNoRequestButTheApis()
    {
        var options = new FakeHighwayOptions
        {
            ApiKey = "hh-secret-5f2b9c0d1e-never-print-me",
            QueuedFor = TimeSpan.Zero,
            ProcessingFor = TimeSpan.FromMilliseconds(300),
            FailWhen = s => s.Prompt == "fail" ? "refused" : null,
        };
        await using var rig = await FakeRig.StartAsync(options);
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));
        TestImages.Write(session.WorkDir, "b.png", TestImages.Png(400, 330));
        fake.Faults.Submit.Enqueue(Fault.Status(429, retryAfterSeconds: 0));
        fake.Faults.Result.Enqueue(Fault.Status(500));

        var result = session.Run("""
            $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'
            [pscustomobject]@{ Path = 'a.png'; Prompt = 'ok' }, [pscustomobject]@{ Path = 'b.png'; Prompt = 'fail' }, [pscustomobject]@{ Path = 'missing.png'; Prompt = 'x' } |
                New-HailuoVideo | Wait-HailuoTask -PollInterval 0.1 | Save-HailuoVideo out
            Get-HailuoTask does-not-exist
            New-HailuoVideo a.png -Prompt p -ApiKey 'another-secret-xyz-987' -ErrorAction SilentlyContinue
            """);

        Assert.NotEmpty(result.Verbose);
        Assert.NotEmpty(result.Debug);
        Assert.Contains(result.Verbose, v => v.Contains("POST /v3/async/minimax-hailuo-2.3-i2v -> 200"));
        Assert.Single(result.Objects<FileInfo>());
        Assert.NotEmpty(result.Errors);
        var everything = result.AllText().Append(session.Host.Text)
            .Concat(Directory.GetFiles(session.WorkDir, "*", SearchOption.AllDirectories).Select(f => File.ReadAllText(f)));
        foreach (var secret in new[] { options.ApiKey, "another-secret-xyz-987" })
            Assert.DoesNotContain(everything, text => text.Contains(secret, StringComparison.Ordinal));
        Assert.All(fake.Requests.Where(r => r.Host == "video"), r => Assert.Null(r.Authorization));
        Assert.Contains(fake.Requests, r => r.Host == "video" && r.Status == 200);
    }

    // A submission counts as in flight once Kestrel has the request; the fake records it only when it answers.
    private static bool PendingSubmit(FakeHighwayServer fake) => fake.MaxConcurrentSubmits > 0;
}
