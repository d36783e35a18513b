// What a PowerShell user sees and types: camera moves in English, tab completion, the list view,
// and the -WhatIf summary.
using System.Management.Automation;
using System.Text.RegularExpressions;
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class ExperienceTests
{
    [Fact]
    public async Task CameraMovesAreSentAsOneGroupOfTheExactChineseCommands()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));

        var result = session.Run("New-HailuoVideo a.png -Prompt 'A boat at dawn' -CameraMovement PushIn, PanLeft, ZoomOut");

        result.ThrowIfFailed();
        Assert.Equal("A boat at dawn [推进,左摇,变焦拉远]", Assert.Single(fake.Submissions).Prompt);
        Assert.Equal("A boat at dawn [推进,左摇,变焦拉远]", Assert.Single(result.Objects<HailuoTask>()).Prompt);
    }

    [Fact]
    public async Task EveryMoveHasItsDocumentedCommand()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));
        var expected = new Dictionary<string, string>
        {
            ["TruckLeft"] = "左移", ["TruckRight"] = "右移", ["PanLeft"] = "左摇", ["PanRight"] = "右摇", ["PushIn"] = "推进",
            ["PullOut"] = "拉远", ["PedestalUp"] = "上升", ["PedestalDown"] = "下降", ["TiltUp"] = "上摇", ["TiltDown"] = "下摇",
            ["ZoomIn"] = "变焦推近", ["ZoomOut"] = "变焦拉远", ["Shake"] = "晃动", ["TrackingShot"] = "跟随", ["Static"] = "固定",
        };

        foreach (var (move, command) in expected)
            session.Run("New-HailuoVideo a.png -Prompt p -CameraMovement $args[0]", move).ThrowIfFailed();

        Assert.Equal(expected.Values.Select(c => $"p [{c}]"), fake.Submissions.Select(s => s.Prompt));
        Assert.Equal(expected.Keys.OrderBy(k => k), Enum.GetNames<HailuoCameraMovement>().OrderBy(k => k));
    }

    [Fact]
    public async Task MoreThanThreeMovesIsATerminatingErrorBeforeAnythingIsSent()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));

        var result = session.Run("New-HailuoVideo a.png -Prompt p -CameraMovement PushIn, PanLeft, ZoomIn, Shake");

        Assert.Equal("TooManyCameraMovements", result.Terminating?.ErrorId());
        Assert.Equal(ErrorCategory.InvalidArgument, result.Terminating!.CategoryInfo.Category);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task ThePromptLimitAppliesToThePromptWithItsMoves()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));

        var fits = session.Run("New-HailuoVideo a.png -Prompt ('x' * 1995) -CameraMovement PushIn"); // 1995 + " [推进]" = 2000
        var over = session.Run("New-HailuoVideo a.png -Prompt ('x' * 1996) -CameraMovement PushIn");

        fits.ThrowIfFailed();
        Assert.Equal("PromptTooLong", over.Terminating?.ErrorId());
        Assert.Single(fake.Submissions);
    }

    [Theory]
    [InlineData("slow [push in] at dawn", "[push in]", "[推进]", "PushIn")]
    [InlineData("[Pan Left] over the hills", "[Pan Left]", "[左摇]", "PanLeft")]
    [InlineData("[tracking shot] of a runner", "[tracking shot]", "[跟随]", "TrackingShot")]
    public async Task AnEnglishCameraWordInBracketsGetsAWarningNamingTheRealCommand(string prompt, string written, string command, string move)
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));

        var result = session.Run("New-HailuoVideo a.png -Prompt $args[0]", prompt);

        result.ThrowIfFailed();
        var warning = Assert.Single(result.Warnings);
        Assert.Contains(written, warning);
        Assert.Contains(command, warning);
        Assert.Contains("-CameraMovement " + move, warning);
        Assert.Equal(prompt, fake.Submissions[0].Prompt); // sent as written: the warning does not rewrite it
    }

    [Fact]
    public async Task TaskIdsCompleteNewestFirstWithTheirStatusAndEnumsAndSetsComplete()
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions { SubmitLatency = TimeSpan.FromMilliseconds(50) });
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));
        TestImages.Write(session.WorkDir, "b.png", TestImages.Png(400, 321));
        var ids = new List<string>();
        foreach (var image in new[] { "a.png", "b.png" })
            ids.Add(session.Run("(New-HailuoVideo $args[0] -Prompt p).TaskId", image).Output.Single().ToString());

        var tasks = Complete(session, "Wait-HailuoTask -TaskId ");
        var moves = Complete(session, "New-HailuoVideo a.png -Prompt p -CameraMovement Pa");
        var resolutions = Complete(session, "New-HailuoVideo a.png -Prompt p -Resolution ");

        Assert.Equal(new[] { ids[1], ids[0] }, tasks.Select(c => c.CompletionText));
        Assert.All(tasks, c => Assert.StartsWith("Queued", c.ToolTip));
        Assert.Contains("b.png", tasks[0].ToolTip);
        Assert.Equal(new[] { "PanLeft", "PanRight" }, moves.Select(c => c.CompletionText));
        Assert.Equal(new[] { "1080P", "768P" }, resolutions.Select(c => c.CompletionText.Trim('\'')).OrderBy(r => r, StringComparer.Ordinal));
    }

    [Fact]
    public void DestinationCompletesFoldersOnly()
    {
        using var session = new PowerShellSession();
        Directory.CreateDirectory(Path.Combine(session.WorkDir, "videos"));
        Directory.CreateDirectory(Path.Combine(session.WorkDir, "vacation"));
        File.WriteAllText(Path.Combine(session.WorkDir, "vanilla.txt"), "x");

        var folders = Complete(session, "Save-HailuoVideo -TaskId t -Destination v");

        Assert.Equal(new[] { "vacation", "videos" }, folders.Select(c => Path.GetFileName(c.CompletionText.Trim('\'', '"').TrimEnd('/', '\\'))).OrderBy(n => n));
    }

    [Fact]
    public async Task TheListViewShowsWhenTheVideoLinkExpires()
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(100) });
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));

        var text = session.Run("New-HailuoVideo a.png -Prompt 'slow dawn' | Wait-HailuoTask -PollInterval 0.1 | Format-List | Out-String -Width 200")
            .ThrowIfFailed().Output.Single().ToString();

        var lines = text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        var labels = lines.Select(l => l.Split(':')[0].Trim()).ToList();
        Assert.Equal(new[] { "TaskId", "Status", "ProgressPercent", "EtaSeconds", "Reason", "Model", "SourceImage", "LastFrame", "Prompt", "Duration", "Resolution", "EstimatedCost", "SubmittedAt", "CompletedAt", "VideoUrl", "VideoUrlExpiresAt", "Seed" },
            labels);
        // Every label is a property, so Select-Object and Sort-Object take what the list shows.
        Assert.All(labels, label => Assert.NotNull(typeof(HailuoTask).GetProperty(label)));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^Status\s+: Succeeded$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^ProgressPercent\s+: 100%$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^Duration\s+: 6 s$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^Prompt\s+: slow dawn$"));
        Assert.Matches(@"^VideoUrlExpiresAt\s+: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(in 60 min\)$", lines.Single(l => l.StartsWith("VideoUrlExpiresAt", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task StatusIsColouredOnlyWhereTheHostRendersVirtualTerminalSequences()
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(100) });
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));
        var task = session.Run("New-HailuoVideo a.png -Prompt p | Wait-HailuoTask -PollInterval 0.1").ThrowIfFailed().Output.Single();
        const string green = "\u001b[32m";

        session.Host.Clear();
        session.Run("$args[0] | Out-Host", task).ThrowIfFailed();
        string plain = session.Host.Text;
        session.Host.VirtualTerminal = true;
        session.Host.Clear();
        session.Run("$args[0] | Out-Host", task).ThrowIfFailed();
        string coloured = session.Host.Text;

        Assert.DoesNotContain(green, plain);
        Assert.Contains(green + "Succeeded", coloured);
        Assert.Equal(session.Host.PlainText, RecordingHost.StripEscapes(plain)); // the same table, only coloured
    }

    [Fact]
    public async Task WhatIfEndsWithOneSummaryOfTheBatch()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        for (int i = 0; i < 3; i++)
            TestImages.Write(session.WorkDir, $"i{i}.png", TestImages.Png(400, 320 + i));
        File.WriteAllText(Path.Combine(session.WorkDir, "jobs.csv"), """
            Path,Prompt,Duration,Resolution
            i0.png,a,10,768P
            i1.png,b,6,1080P
            i2.png,c,6,768P
            """);

        var result = session.Run("Import-Csv ./jobs.csv | New-HailuoVideo -WhatIf");

        result.ThrowIfFailed();
        const string expected = "What if: 3 videos, 22 s of video in total: Hailuo-2.3 22 s (1 at 1080P, 2 at 768P); estimated cost about 1.33 USD (from Get-HailuoPrice: an estimate, not a quote). Nothing was sent.";
        // Shown on the host after the "What if:" lines, and written as Write-Host writes: an
        // information record tagged PSHOST, which is what Start-Transcript records.
        var shown = session.Host.PlainText.Split('\n').Select(l => l.TrimEnd()).Where(l => l.StartsWith("What if:", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, shown.Count);
        Assert.Equal(expected, shown[^1]);
        Assert.Equal(expected, Assert.Single(result.InformationRecords, r => r.Tags.Contains("PSHOST")).MessageData.ToString());
        Assert.Empty(fake.Requests);
    }

    private static CompletionResult[] Complete(PowerShellSession session, string input)
    {
        var result = session.Run("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches", input);
        result.ThrowIfFailed();
        return result.Objects<CompletionResult>();
    }
}
