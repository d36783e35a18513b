// What a user sees in a real pwsh, checked with the built-in cmdlets users use to look:
// saved files that look and pipe like Get-ChildItem output, Get-HailuoTask with no arguments
// (the tasks this session paid for, even after Ctrl+C), and task ids that can be read whole.
using System.Management.Automation;
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class WhatUsersSeeTests
{
    private static FakeHighwayOptions Quick() => new() { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public async Task SavedVideosAreTheProvidersItemsLikeGetChildItemOutput()
    {
        await using var rig = await FakeRig.StartAsync(Quick());
        var (fake, session) = rig;
        TestImages.Write(Path.Combine(session.WorkDir, "photos"), "sunset.jpg", TestImages.Jpeg(800, 600));
        TestImages.Write(Path.Combine(session.WorkDir, "photos"), "harbour.png", TestImages.Png(400, 320));

        var result = session.Run("""
            $global:saved = @(Get-ChildItem ./photos | New-HailuoVideo -Prompt p | Wait-HailuoTask -PollInterval 0.1 | Save-HailuoVideo -Destination ./videos | Sort-Object Name)
            foreach ($file in $saved) {
                $listed = Get-ChildItem -LiteralPath ./videos -Filter $file.Name
                [pscustomobject]@{
                    Name       = $file.Name
                    Same       = @(Compare-Object $file $listed -Property PSPath, PSParentPath, PSChildName, PSIsContainer, Length, Mode, FullName).Count -eq 0
                    Drive      = "$($file.PSDrive)" -eq "$($listed.PSDrive)" -and $null -ne $file.PSDrive
                    Provider   = "$($file.PSProvider)"
                    Table      = ($file | Format-Table | Out-String -Width 120) -eq ($listed | Format-Table | Out-String -Width 120)
                }
            }
            """);

        result.ThrowIfFailed();
        var rows = result.Output.Select(o => o.Properties).ToList();
        Assert.Equal(new[] { "harbour.mp4", "sunset.mp4" }, rows.Select(r => (string)r["Name"].Value));
        Assert.All(rows, r =>
        {
            Assert.True((bool)r["Same"].Value, "PSPath, PSParentPath, PSChildName, Mode and Length differ from Get-ChildItem's");
            Assert.True((bool)r["Drive"].Value, "PSDrive is missing or differs");
            Assert.Equal("Microsoft.PowerShell.Core\\FileSystem", (string)r["Provider"].Value);
            Assert.True((bool)r["Table"].Value, "The default table differs from Get-ChildItem's");
        });

        // On Unix the default table has UnixMode, User, Group and Size, all filled in.
        var table = session.Run("$saved[0] | Format-Table | Out-String -Width 120").ThrowIfFailed().Output.Single().ToString();
        if (!OperatingSystem.IsWindows())
        {
            var line = table.Split('\n').Select(l => l.TrimEnd()).Single(l => l.EndsWith("harbour.mp4", StringComparison.Ordinal));
            Assert.Matches(@"^-rw\S+\s+\S+\s+\S+\s+.+\s" + fake.Options.VideoBytes + @" harbour\.mp4$", line);
        }

        // They pipe like provider items: Copy-Item, Rename-Item and Remove-Item take them as they are.
        session.Run("""
            $saved[0] | Copy-Item -Destination ./copy.mp4
            $saved[1] | Remove-Item
            """).ThrowIfFailed();
        Assert.True(File.Exists(Path.Combine(session.WorkDir, "copy.mp4")));
        Assert.False(File.Exists(Path.Combine(session.WorkDir, "videos", "sunset.mp4")));
    }

    [Fact]
    public async Task SkippingAnExistingFileWritesTheProvidersItemToo()
    {
        await using var rig = await FakeRig.StartAsync(Quick());
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "sunset.jpg", TestImages.Jpeg(800, 600));

        var result = session.Run("""
            $t = New-HailuoVideo sunset.jpg -Prompt p | Wait-HailuoTask -PollInterval 0.1
            $null = $t | Save-HailuoVideo
            $t | Save-HailuoVideo -SkipExisting
            """);

        result.ThrowIfFailed();
        var skipped = Assert.Single(result.Output);
        Assert.Equal("sunset.mp4", skipped.Properties["PSChildName"].Value);
        Assert.NotNull(skipped.Properties["PSDrive"]?.Value);
        // The server records a request once its answer is out, a moment after the client has it.
        Eventually.WaitFor(() => fake.VideoRequestCount >= 1, "the first download to be recorded");
        Assert.Equal(1, fake.VideoRequestCount); // the skip downloaded nothing
    }

    [Fact]
    public async Task GetHailuoTaskWithNoArgumentsListsThisSessionsTasksFreshInSubmissionOrder()
    {
        await using var rig = await FakeRig.StartAsync(Quick());
        var (fake, session) = rig;
        for (int i = 0; i < 3; i++)
            TestImages.Write(session.WorkDir, $"p{i}.png", TestImages.Png(400, 320 + i));

        // Nothing yet: no prompt (the test host refuses to prompt), no output, no error.
        var empty = session.Run("Get-HailuoTask");
        empty.ThrowIfFailed();
        Assert.Empty(empty.Output);

        var submitted = session.Run("""
            Get-ChildItem p0.png, p1.png | New-HailuoVideo -Prompt first -ThrottleLimit 1
            New-HailuoVideo p2.png -Prompt second
            """).ThrowIfFailed().Objects<HailuoTask>();
        Assert.All(submitted, t => Assert.Equal(HailuoTaskStatus.Queued, t.Status));
        int readsBefore = fake.ResultRequestCount;
        Eventually.WaitFor(() => fake.AllTasksEnded, "the tasks to end");

        var listed = session.Run("Get-HailuoTask").ThrowIfFailed().Objects<HailuoTask>();

        Assert.Equal(submitted.Select(t => t.TaskId), listed.Select(t => t.TaskId));
        Assert.Equal(fake.Submissions.Select(s => s.TaskId), listed.Select(t => t.TaskId));
        Assert.All(listed, t => Assert.Equal(HailuoTaskStatus.Succeeded, t.Status)); // fresh from the API, not the Queued snapshot
        Assert.Equal(readsBefore + 3, fake.ResultRequestCount);
        Assert.Equal(new[] { "first", "first", "second" }, listed.Select(t => t.Prompt));
    }

    [Fact]
    public async Task StatusFiltersTheListAndNamedTasks()
    {
        await using var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions
        {
            QueuedFor = TimeSpan.Zero,
            ProcessingFor = TimeSpan.FromMilliseconds(100),
            FailWhen = s => s.Prompt.Contains("bad", StringComparison.Ordinal) ? "ILLEGAL_IMAGE_CONTENT: refused" : null,
        });
        using var session = new PowerShellSession(fake);
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));
        TestImages.Write(session.WorkDir, "b.png", TestImages.Png(400, 330));
        var tasks = session.Run("""
            New-HailuoVideo a.png -Prompt good
            New-HailuoVideo b.png -Prompt bad
            """).ThrowIfFailed().Objects<HailuoTask>();
        Eventually.WaitFor(() => fake.AllTasksEnded, "the tasks to end");

        var failed = session.Run("Get-HailuoTask -Status Failed").ThrowIfFailed().Objects<HailuoTask>();
        var both = session.Run("Get-HailuoTask -Status Succeeded, Failed").ThrowIfFailed().Objects<HailuoTask>();
        var named = session.Run("$args[0], $args[1] | Get-HailuoTask -Status Succeeded", tasks[0].TaskId, tasks[1].TaskId).ThrowIfFailed().Objects<HailuoTask>();

        Assert.Equal(tasks[1].TaskId, Assert.Single(failed).TaskId);
        Assert.Equal("ILLEGAL_IMAGE_CONTENT: refused", failed[0].Reason);
        Assert.Equal(tasks.Select(t => t.TaskId), both.Select(t => t.TaskId));
        Assert.Equal(tasks[0].TaskId, Assert.Single(named).TaskId);
    }

    [Fact]
    public async Task AfterCtrlCGetHailuoTaskListsEveryTaskAlreadyPaidFor()
    {
        // Long tasks: Ctrl+C comes while every one of them is still running.
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions { QueuedFor = TimeSpan.FromSeconds(30), ProcessingFor = TimeSpan.FromSeconds(30) });
        var (fake, session) = rig;
        for (int i = 0; i < 5; i++)
            TestImages.Write(Path.Combine(session.WorkDir, "photos"), $"p{i}.png", TestImages.Png(400, 320 + i));

        using (var running = session.Start("Get-ChildItem ./photos | New-HailuoVideo -Prompt p | Wait-HailuoTask -PollInterval 0.2 | Save-HailuoVideo -Destination ./videos"))
        {
            // Every task has reached Wait-HailuoTask (it was polled): the client knows all five ids.
            Eventually.WaitFor(() => fake.Submissions.Count == 5 && fake.Submissions.All(s => s.TaskId != null
                && fake.Requests.Any(r => r.Host == "api" && r.Method == "GET" && r.PathAndQuery.Contains(s.TaskId, StringComparison.Ordinal))), "five tasks to be polled");
            var stopped = running.Stop();
            Assert.Empty(stopped.Output);
        }

        var listed = session.Run("Get-HailuoTask").ThrowIfFailed().Objects<HailuoTask>();

        Assert.Equal(fake.Submissions.Select(s => s.TaskId).OrderBy(id => id), listed.Select(t => t.TaskId).OrderBy(id => id));
        Assert.All(listed, t => Assert.Equal(HailuoTaskStatus.Queued, t.Status));
        Assert.Equal(5, listed.Select(t => t.SourceImage).Distinct().Count());
    }

    [Theory]
    [InlineData(95)]
    [InlineData(120)]
    [InlineData(200)]
    public async Task TheDefaultTableShowsWholeTaskIdsInAWideWindow(int width)
    {
        await using var rig = await FakeRig.StartAsync(Quick());
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a-long-photo-name.png", TestImages.Png(400, 320));
        var task = session.Run("New-HailuoVideo a-long-photo-name.png -Prompt p").ThrowIfFailed().Objects<HailuoTask>().Single();
        Assert.Equal(36, task.TaskId.Length); // FakeHighway's ids are UUID-shaped, like the service's

        var text = session.Run("$args[0] | Get-HailuoTask | Format-Table | Out-String -Width $args[1]", task.TaskId, width).ThrowIfFailed().Output.Single().ToString();

        var lines = text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        Assert.Equal(new[] { "SourceImage", "Status", "Progress", "Model", "Video", "TaskId" }, lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.EndsWith(" " + task.TaskId, lines[2]);
        Assert.StartsWith("a-long-photo-name…", lines[2]); // the photo's name, shortened to its column
    }

    [Fact]
    public async Task TheDefaultTableStillFitsEightyColumnsWithEveryColumn()
    {
        await using var rig = await FakeRig.StartAsync(Quick());
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));
        var task = session.Run("New-HailuoVideo a.png -Prompt p -Duration 10").ThrowIfFailed().Objects<HailuoTask>().Single();

        var text = RecordingHost.StripEscapes(session.Run("$args[0] | Format-Table | Out-String -Width 80", task).ThrowIfFailed().Output.Single().ToString());

        var lines = text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        Assert.Equal(new[] { "SourceImage", "Status", "Progress", "Model", "Video", "TaskId" }, lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(new[] { "a.png", "Queued", "2.3", "10", "s", "768P", task.TaskId[..21] + "…" }, lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}
