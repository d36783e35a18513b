// Pacing through the engine: one gate per call, and a Retry-After pauses every worker.
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class PacingTests
{
    [Fact]
    public async Task ARetryAfterPausesEveryWorkerNotJustTheOneThatGotIt()
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions { SubmitLatency = TimeSpan.FromMilliseconds(200) });
        var (fake, session) = rig;
        for (int i = 0; i < 8; i++)
            TestImages.Write(session.WorkDir, $"i{i}.png", TestImages.Png(400, 320 + i));
        fake.Faults.Submit.Enqueue(Fault.Status(429, retryAfterSeconds: 1));

        var result = session.Run("[IO.Directory]::GetFiles($PWD.Path, '*.png') | New-HailuoVideo -Prompt p -ThrottleLimit 4");

        result.ThrowIfFailed();
        Assert.Equal(8, fake.Submissions.Count);
        var submits = fake.Requests.Where(r => r.Method == "POST").ToList();
        var refused = Assert.Single(submits, r => r.Status == 429);
        // Requests already on their way when the 429 was sent (the same few milliseconds) go
        // through; after that, nothing starts until the pause is over.
        var startedAfter = submits.Where(r => r.Received > refused.At + TimeSpan.FromMilliseconds(100)).ToList();
        Assert.NotEmpty(startedAfter);
        Assert.All(startedAfter, r => Assert.True(r.Received >= refused.At + TimeSpan.FromMilliseconds(900),
            $"a submission started {(r.Received - refused.At).TotalMilliseconds:0} ms after the 429, inside its 1 s Retry-After"));
    }

    [Fact]
    public async Task EveryCmdletKeepsToItsThrottleLimit()
    {
        var options = new FakeHighwayOptions
        {
            SubmitLatency = TimeSpan.FromMilliseconds(150),
            QueuedFor = TimeSpan.Zero,
            ProcessingFor = TimeSpan.FromMilliseconds(100),
            VideoBytes = 4L * 1024 * 1024,
            VideoBytesPerSecond = 8L * 1024 * 1024,
        };
        await using var rig = await FakeRig.StartAsync(options);
        var (fake, session) = rig;
        for (int i = 0; i < 6; i++)
            TestImages.Write(session.WorkDir, $"i{i}.png", TestImages.Png(400, 320 + i));

        var result = session.Run("[IO.Directory]::GetFiles($PWD.Path, '*.png') | New-HailuoVideo -Prompt p -ThrottleLimit 2 | Wait-HailuoTask -PollInterval 0.1 | Save-HailuoVideo out -ThrottleLimit 3");

        result.ThrowIfFailed();
        Assert.Equal(6, result.Objects<FileInfo>().Length);
        Assert.Equal(2, fake.MaxConcurrentSubmits);
        Assert.InRange(MaxOverlap(fake.Requests.Where(r => r.Host == "video").ToList()), 2, 3);
    }

    [Fact]
    public async Task ASustainedRateLimitWithoutRetryAfterMakesItemsWaitTheirTurnNotFail()
    {
        // 3 submissions per 2 s and 429 beyond, no Retry-After: 10 images are several windows'
        // worth, far past what five attempts of backoff would ride out (the retry delays here are
        // milliseconds), so every image getting through proves the 429s were waited out, not retried.
        var options = new FakeHighwayOptions { SubmitRateLimit = 3, SubmitRateWindow = TimeSpan.FromSeconds(2) };
        await using var rig = await FakeRig.StartAsync(options);
        var (fake, session) = rig;
        for (int i = 0; i < 10; i++)
            TestImages.Write(session.WorkDir, $"i{i}.png", TestImages.Png(400, 320 + i));

        var result = session.Run("[IO.Directory]::GetFiles($PWD.Path, '*.png') | New-HailuoVideo -Prompt p -ThrottleLimit 8 -Verbose");

        result.ThrowIfFailed();
        Assert.Equal(10, result.Objects<HailuoTask>().Length);
        Assert.Equal(10, fake.Submissions.Select(s => s.ImageSha256).Distinct().Count()); // each image once
        Assert.InRange(fake.RateLimitedSubmits, 1, 10); // limited, but not a 429 storm
        // The limit is learned from the acceptances whose answers came within the window before the
        // refusal: with answer times that vary by the machine's load, about 3 (1 to 4 on a loaded
        // two-core machine, where answers can straggle past the window), never nothing.
        Assert.True(result.Verbose.Any(v => System.Text.RegularExpressions.Regex.IsMatch(v, "Waiting for room: the server allows about [1-4] submissions per 2 s")),
            string.Join("\n", result.Verbose.Where(v => v.Contains("room") || v.Contains("Retrying"))));
    }

    private static int MaxOverlap(List<RecordedRequest> requests) =>
        requests.Max(r => requests.Count(o => o.Received <= r.Received && o.At > r.Received));
}
