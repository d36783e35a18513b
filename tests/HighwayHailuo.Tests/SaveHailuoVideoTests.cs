// Save-HailuoVideo through the real engine: names, collisions, -Force, not-ready tasks, expired links.
using System.Management.Automation;
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class SaveHailuoVideoTests
{
    private const string Save = "HighwayHailuo.Commands.SaveHailuoVideoCommand";

    private static FakeHighwayOptions Quick() => new() { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public async Task AFolderThatTakesNoFileStopsTheCallBeforeAnyDownload()
    {
        // /sys takes no new file, not even from root (EACCES): every video would fail the same way.
        await using var rig = await FakeRig.StartAsync(Quick());
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));
        TestImages.Write(session.WorkDir, "b.png", TestImages.Png(400, 330));

        var result = session.Run("Get-ChildItem *.png | New-HailuoVideo -Prompt p | Wait-HailuoTask -PollInterval 0.1 | Save-HailuoVideo -Destination /sys");

        Assert.Equal("VideoWriteFailed", result.Terminating?.ErrorId());
        Assert.Equal(ErrorCategory.WriteError, result.Terminating!.CategoryInfo.Category);
        Assert.Contains("Nothing was downloaded", result.Terminating.Exception.Message);
        Assert.Empty(result.Errors); // one error for the call, not one per video
        Assert.Equal(0, fake.VideoRequestCount);
    }

    [Fact]
    public async Task DownloadsShowOneProgressBarOfVideosSavedAndBytesReceivedThenComplete()
    {
        // Three 1 MB videos at 2 MB/s: long enough for more than one update.
        var options = Quick();
        options.VideoBytes = 1024 * 1024;
        options.VideoBytesPerSecond = 2 * 1024 * 1024;
        await using var rig = await FakeRig.StartAsync(options);
        var (fake, session) = rig;
        for (int i = 0; i < 3; i++)
            TestImages.Write(session.WorkDir, $"p{i}.png", TestImages.Png(400, 320 + i));
        var tasks = session.Run("Get-ChildItem *.png | New-HailuoVideo -Prompt p | Wait-HailuoTask -PollInterval 0.1").ThrowIfFailed().Output;

        var result = session.Run("$args | Save-HailuoVideo -Destination out", tasks.Select(t => t.BaseObject).ToArray());

        result.ThrowIfFailed();
        Assert.Equal(3, result.Objects<FileInfo>().Length);
        TransferBars.AssertOneBarThenCompleted(result.Progress, "Saving Hailuo videos", @"^\d of \d saved, \d+[.,]\d MB received$");
    }

    [Fact]
    public async Task CollidingNamesGetATaskIdSuffixInArrivalOrder()
    {
        await using var rig = await FakeRig.StartAsync(Quick());
        var (fake, session) = rig;
        TestImages.Write(Path.Combine(session.WorkDir, "a"), "beach.jpg", TestImages.Jpeg(800, 600));
        TestImages.Write(Path.Combine(session.WorkDir, "b"), "beach.png", TestImages.Png(400, 320));

        var result = session.Run("""
            $tasks = @('a/beach.jpg', 'b/beach.png' | New-HailuoVideo -Prompt p -ThrottleLimit 1 | Wait-HailuoTask -PollInterval 0.1)
            $tasks | Save-HailuoVideo out
            """);

        result.ThrowIfFailed();
        var files = result.Objects<FileInfo>();
        Assert.Equal(2, files.Length);
        Assert.Equal("beach.mp4", files.OrderBy(f => f.Name.Length).First().Name);
        var suffixed = files.OrderBy(f => f.Name.Length).Last();
        Assert.Matches(@"^beach-[A-Za-z0-9_-]{8}\.mp4$", suffixed.Name);
        // The suffix is the first 8 characters of the second task's id.
        Assert.Contains(fake.Submissions, s => suffixed.Name == "beach-" + s.TaskId![..8] + ".mp4");
    }

    [Fact]
    public async Task WhatAKilledSaveLeftBesideTheFileIsRemovedByTheNextSaveOfIt()
    {
        await using var rig = await FakeRig.StartAsync(Quick());
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "beach.jpg", TestImages.Jpeg(800, 600));
        string videos = Path.Combine(session.WorkDir, "out");
        Directory.CreateDirectory(videos);
        // As a process killed mid-download leaves them; the other file is not a save's and stays.
        File.WriteAllText(Path.Combine(videos, "beach.mp4.0a1b2c3d.partial"), "half a video");
        File.WriteAllText(Path.Combine(videos, "beach.mp4.notes.partial"), "someone else's");

        var saved = session.Run("New-HailuoVideo beach.jpg -Prompt p | Wait-HailuoTask -PollInterval 0.1 | Save-HailuoVideo out")
            .ThrowIfFailed().Objects<FileInfo>().Single();

        Assert.Equal("beach.mp4", saved.Name);
        Assert.Equal(new[] { "beach.mp4", "beach.mp4.notes.partial" }, Directory.GetFiles(videos).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public async Task TasksWithoutALinkAreRefreshedConcurrentlyAndAllSaved()
    {
        var options = Quick();
        options.ResultLatency = TimeSpan.FromMilliseconds(300);
        await using var rig = await FakeRig.StartAsync(options);
        var (fake, session) = rig;
        for (int i = 0; i < 6; i++)
            TestImages.Write(session.WorkDir, $"r{i}.png", TestImages.Png(400, 320 + i));
        var ids = session.Run("@(Get-ChildItem *.png | New-HailuoVideo -Prompt p).TaskId"); // no task-result request yet
        ids.ThrowIfFailed();
        Eventually.WaitFor(() => fake.AllTasksEnded, "the six tasks to finish on the server");
        using var fresh = new PowerShellSession(fake); // a new session knows nothing of them: each needs task-result

        var result = fresh.Run("$args[0] | Save-HailuoVideo -Destination out", (object)ids.Objects<string>());

        result.ThrowIfFailed();
        Assert.Equal(6, result.Objects<FileInfo>().Length);
        Assert.True(fake.MaxConcurrentResults > 1, $"task-result requests were made one at a time (at most {fake.MaxConcurrentResults} at once)");
    }

    [Fact]
    public async Task AnExistingFileIsKeptUnlessForceIsGiven()
    {
        await using var rig = await FakeRig.StartAsync(Quick());
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "sunset.jpg", TestImages.Jpeg(800, 600));
        File.WriteAllText(Path.Combine(session.WorkDir, "sunset.mp4"), "precious");

        var refused = session.Run("$global:t = New-HailuoVideo sunset.jpg -Prompt p | Wait-HailuoTask -PollInterval 0.1; $t | Save-HailuoVideo");
        Assert.Equal(new[] { "VideoFileExists," + Save }, refused.ErrorIds);
        Assert.Equal(ErrorCategory.ResourceExists, refused.Errors[0].CategoryInfo.Category);
        Assert.IsType<HailuoTask>(refused.Errors[0].TargetObject);
        Assert.Equal("precious", File.ReadAllText(Path.Combine(session.WorkDir, "sunset.mp4")));

        var forced = session.Run("$t | Save-HailuoVideo -Force");
        forced.ThrowIfFailed();
        var file = Assert.Single(forced.Objects<FileInfo>());
        Assert.Equal(fake.Options.VideoBytes, new FileInfo(Path.Combine(session.WorkDir, "sunset.mp4")).Length);
        Assert.Equal(Path.Combine(session.WorkDir, "sunset.mp4"), file.FullName);
    }

    [Fact]
    public async Task ATaskNotYetFinishedIsCheckedOnceAndReported()
    {
        var options = new FakeHighwayOptions
        {
            FailWhen = s => s.Prompt == "bad" ? "refused" : null,
            TaskLife = s => s.Prompt == "bad" ? (TimeSpan.Zero, TimeSpan.Zero) : (TimeSpan.FromMinutes(5), TimeSpan.Zero),
        };
        await using var rig = await FakeRig.StartAsync(options);
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));

        var result = session.Run("""
            $slow = New-HailuoVideo a.png -Prompt slow
            $bad = New-HailuoVideo a.png -Prompt bad
            $slow, $bad | Save-HailuoVideo videos
            $args[0].ResultRequestCount
            """, fake);

        Assert.Null(result.Terminating);
        Assert.Equal(new[] { "HailuoTaskNotReady," + Save, "HailuoTaskFailed," + Save }, result.ErrorIds);
        Assert.Equal("2", result.Output.Last().ToString());
        Assert.Contains("Wait-HailuoTask", result.Errors[0].Exception.Message);
        Assert.False(Directory.Exists(Path.Combine(session.WorkDir, "videos")));
    }

    [Fact]
    public async Task AFreshLinkIsUsedWithoutAskingTheApiAgain()
    {
        await using var rig = await FakeRig.StartAsync(Quick());
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));

        var result = session.Run("""
            $done = New-HailuoVideo a.png -Prompt p | Wait-HailuoTask -PollInterval 0.1
            $before = $args[0].ResultRequestCount
            $done | Save-HailuoVideo -ApiKey 'not-needed-for-a-fresh-link' | Out-Null
            $args[0].ResultRequestCount - $before
            """, fake);

        result.ThrowIfFailed();
        Assert.Equal("0", result.Output.Single().ToString());
        Assert.True(File.Exists(Path.Combine(session.WorkDir, "a.mp4")));
    }

    [Fact]
    public async Task AnExpiredLinkIsRenewedOnceFromTaskResult()
    {
        await using var rig = await FakeRig.StartAsync(Quick());
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));

        var waited = session.Run("$global:done = New-HailuoVideo a.png -Prompt p | Wait-HailuoTask -PollInterval 0.1");
        waited.ThrowIfFailed();
        fake.ExpireVideoLinks();
        int before = fake.ResultRequestCount;

        var result = session.Run("$done | Save-HailuoVideo");

        result.ThrowIfFailed();
        Assert.Single(result.Objects<FileInfo>());
        Assert.Equal(before + 1, fake.ResultRequestCount);
        Eventually.WaitFor(() => fake.VideoRequestCount >= 2, "FakeHighway to record the second download"); // it records after the body is out
        Assert.Equal(new[] { 403, 200 }, fake.Requests.Where(r => r.Host == "video").Select(r => r.Status));
    }

    [Fact]
    public async Task AVideoHostThatKeepsRefusingGivesVideoDownloadFailed()
    {
        await using var rig = await FakeRig.StartAsync(Quick());
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));
        TestImages.Write(session.WorkDir, "b.png", TestImages.Png(400, 330));
        FaultScript.Add(fake.Faults.Video, Fault.Status(404), times: 2);

        var result = session.Run("'a.png' | New-HailuoVideo -Prompt p | Wait-HailuoTask -PollInterval 0.1 | Save-HailuoVideo -ThrottleLimit 1; 'b.png' | New-HailuoVideo -Prompt p | Wait-HailuoTask -PollInterval 0.1 | Save-HailuoVideo");

        Assert.Null(result.Terminating);
        Assert.Equal(new[] { "VideoDownloadFailed," + Save }, result.ErrorIds);
        Assert.Single(result.Objects<FileInfo>());
        Assert.Equal(new[] { "b.mp4" }, Directory.GetFiles(session.WorkDir).Select(Path.GetFileName).Where(n => !n!.EndsWith(".png")));
    }

    [Fact]
    public async Task SaveByTaskIdAndWhatIf()
    {
        await using var rig = await FakeRig.StartAsync(Quick());
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));

        var result = session.Run("""
            $t = New-HailuoVideo a.png -Prompt p | Wait-HailuoTask -PollInterval 0.1
            Save-HailuoVideo -TaskId $t.TaskId -Destination preview -WhatIf
            [pscustomobject]@{ Id = $t.TaskId } | Save-HailuoVideo -Destination real
            """);

        result.ThrowIfFailed();
        Assert.False(Directory.Exists(Path.Combine(session.WorkDir, "preview")));
        Assert.Contains("What if:", session.Host.Text);
        Assert.Contains(Path.Combine(session.WorkDir, "preview", "a.mp4"), session.Host.Text);
        // This session remembers the task, so the saved file still carries the image's name.
        Assert.Equal(Path.Combine(session.WorkDir, "real", "a.mp4"), Assert.Single(result.Objects<FileInfo>()).FullName);
    }

    [Fact]
    public async Task HostileVideoTypesAndTaskIdsCannotEscapeTheFolder()
    {
        var options = Quick();
        options.VideoType = "../../x";
        await using var rig = await FakeRig.StartAsync(options);
        var (fake, session) = rig;

        // A URL image has no local name; the id-based name is sanitised and the extension falls back to mp4.
        var result = session.Run("New-HailuoVideo -Url 'https://example.com/' -Prompt p | Wait-HailuoTask -PollInterval 0.1 | Save-HailuoVideo out");

        result.ThrowIfFailed();
        var file = Assert.Single(result.Objects<FileInfo>());
        Assert.Equal(Path.Combine(session.WorkDir, "out"), file.DirectoryName);
        Assert.EndsWith(".mp4", file.Name);
        Assert.Equal(new[] { file.FullName }, Directory.GetFiles(session.WorkDir, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task DestinationMustBeAFolder()
    {
        await using var rig = await FakeRig.StartAsync(Quick());
        var (fake, session) = rig;
        File.WriteAllText(Path.Combine(session.WorkDir, "file.txt"), "x");

        var result = session.Run("Save-HailuoVideo -TaskId abc -Destination file.txt");

        Assert.Equal("DestinationInvalid," + Save, result.Terminating?.FullyQualifiedErrorId);
        Assert.Empty(fake.Requests);
    }
}
