// New-HailuoVideo through the real engine: binding, what is sent, typed output, -WhatIf.
using System.Management.Automation;
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class NewHailuoVideoTests
{
    [Fact]
    public async Task SubmittingShowsOneProgressBarOfSubmissionsAndImageBytesThenCompletes()
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions { SubmitLatency = TimeSpan.FromMilliseconds(300) });
        var (fake, session) = rig;
        for (int i = 0; i < 4; i++)
            TestImages.Write(session.WorkDir, $"p{i}.png", TestImages.Png(400, 320 + i, padTo: 2 * 1024 * 1024));

        var result = session.Run("Get-ChildItem *.png | New-HailuoVideo -Prompt p -ThrottleLimit 2");

        result.ThrowIfFailed();
        Assert.Equal(4, result.Objects<HailuoTask>().Length);
        TransferBars.AssertOneBarThenCompleted(result.Progress, "Submitting to Hailuo", @"^\d of \d submitted, \d+[.,]\d MB of images sent$");
    }

    [Fact]
    public async Task WhatIfShowsNoProgress()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "p.png", TestImages.Png(400, 320));

        var result = session.Run("Get-ChildItem *.png | New-HailuoVideo -Prompt p -WhatIf");

        result.ThrowIfFailed();
        Assert.DoesNotContain(result.Progress, p => p.Activity == "Submitting to Hailuo");
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task SendsAllSixDocumentedFieldsAndNothingElse()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        var bytes = File.ReadAllBytes(TestImages.Fixture("portrait.png"));
        TestImages.Write(session.WorkDir, "p.png", bytes);

        var result = session.Run("New-HailuoVideo -Path ./p.png -Prompt 'waves' -Duration 10 -Resolution 768p -NoPromptExpansion -FastPretreatment");

        result.ThrowIfFailed();
        var sent = Assert.Single(fake.Submissions);
        Assert.Equal(new[] { "prompt", "image", "duration", "resolution", "enable_prompt_expansion", "fast_pretreatment" }, sent.Fields);
        Assert.Equal("waves", sent.Prompt);
        Assert.Equal(10, sent.Duration);
        Assert.Equal("768P", sent.Resolution);
        Assert.False(sent.EnablePromptExpansion);
        Assert.True(sent.FastPretreatment);
        Assert.Equal("data", sent.ImageKind);
        Assert.Equal("image/png", sent.ImageMime);
        Assert.Equal(TestImages.Sha256(bytes), sent.ImageSha256);
    }

    [Fact]
    public async Task DefaultsAreSixSeconds768PWithExpansion()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        File.Copy(TestImages.Fixture("lossy.webp"), Path.Combine(session.WorkDir, "a.webp"));

        session.Run("New-HailuoVideo ./a.webp -Prompt 'x'").ThrowIfFailed();

        var sent = Assert.Single(fake.Submissions);
        Assert.Equal((6, "768P", true, false, "image/webp"), (sent.Duration, sent.Resolution, sent.EnablePromptExpansion, sent.FastPretreatment, sent.ImageMime));
    }

    [Fact]
    public async Task OutputIsATypedQueuedTaskThatRecordsItsSource()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        File.Copy(TestImages.Fixture("photo.jpg"), Path.Combine(session.WorkDir, "sunset.jpg"));
        var before = DateTimeOffset.UtcNow;

        var result = session.Run("New-HailuoVideo sunset.jpg -Prompt 'dusk [推进]' -Resolution 1080P");

        result.ThrowIfFailed();
        var task = Assert.Single(result.Objects<HailuoTask>());
        Assert.Equal(fake.Submissions[0].TaskId, task.TaskId);
        Assert.Equal(task.TaskId, task.ToString());
        Assert.Equal(HailuoTaskStatus.Queued, task.Status);
        Assert.Equal(Path.Combine(session.WorkDir, "sunset.jpg"), task.SourceImage);
        Assert.Equal("dusk [推进]", task.Prompt);
        Assert.Equal(6, task.Duration);
        Assert.Equal("1080P", task.Resolution);
        Assert.InRange(task.SubmittedAt!.Value, before, DateTimeOffset.UtcNow);
        Assert.Equal(TimeSpan.Zero, task.SubmittedAt.Value.Offset);
        Assert.Equal(TimeSpan.Zero, task.LastUpdated.Offset);
    }

    [Fact]
    public async Task ImportCsvShapedRowsBindByPropertyNameWithPerRowValues()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        File.Copy(TestImages.Fixture("photo.jpg"), Path.Combine(session.WorkDir, "a.jpg"));
        File.Copy(TestImages.Fixture("portrait.png"), Path.Combine(session.WorkDir, "b.png"));

        // A real CSV file through Import-Csv: every value a string, blank cells empty strings.
        File.WriteAllText(Path.Combine(session.WorkDir, "jobs.csv"), """
            Path,Url,Prompt,Duration,Resolution
            a.jpg,,first,10,768P
            b.png,,second,6,1080p
            ,https://images.example.com/c.jpg?size=large,third,,
            """);
        var result = session.Run("Import-Csv ./jobs.csv | New-HailuoVideo");

        result.ThrowIfFailed();
        var sent = fake.Submissions.OrderBy(s => s.Prompt).ToList();
        Assert.Equal(new[] { "first", "second", "third" }, sent.Select(s => s.Prompt));
        Assert.Equal((10, "768P"), (sent[0].Duration, sent[0].Resolution));
        Assert.Equal((6, "1080P"), (sent[1].Duration, sent[1].Resolution));
        // A row without Duration/Resolution gets the defaults, not the previous row's values.
        Assert.Equal((6, "768P"), (sent[2].Duration, sent[2].Resolution));
        Assert.Equal("https://images.example.com/c.jpg?size=large", sent[2].ImageUrl);
        var tasks = result.Objects<HailuoTask>();
        Assert.Contains(tasks, t => t.SourceImage == "https://images.example.com/c.jpg?size=large");
    }

    [Fact]
    public async Task StringsPipedByValueAndWildcardsResolveAgainstThePowerShellLocation()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        var sub = Path.Combine(session.WorkDir, "shots");
        TestImages.Write(sub, "one.jpg", TestImages.Jpeg(800, 600));
        TestImages.Write(sub, "two.jpg", TestImages.Jpeg(600, 800));
        TestImages.Write(sub, "three.png", TestImages.Png(400, 400));
        // The process directory is elsewhere: only $PWD may be used.
        Assert.NotEqual(Path.GetFullPath(Environment.CurrentDirectory), session.WorkDir);

        var result = session.Run("'shots/*.jpg', './shots/three.png' | New-HailuoVideo -Prompt 'p'");

        result.ThrowIfFailed();
        Assert.Equal(3, fake.Submissions.Count);
        Assert.Equal(
            new[] { "one.jpg", "three.png", "two.jpg" },
            result.Objects<HailuoTask>().Select(t => Path.GetFileName(t.SourceImage!)).OrderBy(n => n));
        Assert.All(result.Objects<HailuoTask>(), t => Assert.StartsWith(sub, t.SourceImage));
    }

    [Fact]
    public async Task LiteralPathTakesBracketsLiterallyAndBindsPSPath()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "shot[1].jpg", TestImages.Jpeg(800, 600));

        var result = session.Run("""
            New-HailuoVideo -LiteralPath './shot[1].jpg' -Prompt 'a'
            [pscustomobject]@{ PSPath = "Microsoft.PowerShell.Core\FileSystem::$PWD/shot[1].jpg"; Prompt = 'b' } | New-HailuoVideo
            New-HailuoVideo -LP 'shot[1].jpg' -Prompt 'c'
            Get-ChildItem . | New-HailuoVideo -Prompt 'd'
            """);

        result.ThrowIfFailed();
        Assert.Equal(4, fake.Submissions.Count);
        Assert.All(result.Objects<HailuoTask>(), t => Assert.Equal(Path.Combine(session.WorkDir, "shot[1].jpg"), t.SourceImage));
    }

    [Fact]
    public async Task ImageUrlsArePassedThroughUnchanged()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;

        var result = session.Run("New-HailuoVideo -Url 'http://cdn.example.com/a%20b.png' -Prompt 'x'; New-HailuoVideo -ImageUri 'HTTPS://Example.com/Photo.JPG' -Prompt 'y'");

        result.ThrowIfFailed();
        Assert.Equal(
            new[] { "HTTPS://Example.com/Photo.JPG", "http://cdn.example.com/a%20b.png" },
            fake.Submissions.Select(s => s.ImageUrl).OrderBy(u => u, StringComparer.Ordinal));
    }

    [Fact]
    public async Task SubmissionsRunConcurrentlyUpToTheThrottleLimit()
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions { SubmitLatency = TimeSpan.FromMilliseconds(400) });
        var (fake, session) = rig;
        for (int i = 0; i < 9; i++)
            TestImages.Write(session.WorkDir, $"img{i}.png", TestImages.Png(320, 320 + i));

        var result = session.Run("[IO.Directory]::GetFiles($PWD.Path, '*.png') | New-HailuoVideo -Prompt 'p' -ThrottleLimit 3");

        result.ThrowIfFailed();
        Assert.Equal(9, result.Objects<HailuoTask>().Length);
        Assert.Equal(3, fake.MaxConcurrentSubmits);
    }

    [Fact]
    public async Task WhatIfChecksEverythingAndSendsNothingEvenWithoutAKey()
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        using var session = new PowerShellSession(fake, connect: false);
        File.Copy(TestImages.Fixture("photo.jpg"), Path.Combine(session.WorkDir, "sunset.jpg"));
        TestImages.Write(session.WorkDir, "small.png", TestImages.Png(200, 200));

        var result = session.Run("'sunset.jpg', 'small.png' | New-HailuoVideo -Prompt 'x' -Duration 6 -Resolution 1080P -WhatIf -BaseUri $args[0]", fake.BaseUri.ToString());

        Assert.Null(result.Terminating);
        Assert.Empty(result.Output);
        Assert.Equal(new[] { "ImageTooSmall,HighwayHailuo.Commands.NewHailuoVideoCommand" }, result.ErrorIds);
        Assert.Empty(fake.Requests);
        string whatIf = session.Host.Text;
        Assert.Contains("What if:", whatIf);
        Assert.Contains(Path.Combine(session.WorkDir, "sunset.jpg"), whatIf);
        Assert.Contains("JPEG", whatIf);
        Assert.Contains("640x480", whatIf);
        Assert.Contains(new FileInfo(TestImages.Fixture("photo.jpg")).Length.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), whatIf);
        Assert.Contains("6 s", whatIf);
        Assert.Contains("1080P", whatIf);
    }

    [Fact]
    public void CmdletsDeclareTheirOutputTypes()
    {
        using var session = new PowerShellSession();
        var result = session.Run("""
            foreach ($name in 'New-HailuoVideo','Get-HailuoTask','Wait-HailuoTask','Save-HailuoVideo') {
                "$name=" + ((Get-Command $name).OutputType.Type.FullName -join ',')
            }
            """);
        result.ThrowIfFailed();
        Assert.Equal(new[]
        {
            "New-HailuoVideo=HighwayHailuo.HailuoTask",
            "Get-HailuoTask=HighwayHailuo.HailuoTask",
            "Wait-HailuoTask=HighwayHailuo.HailuoTask",
            "Save-HailuoVideo=System.IO.FileInfo",
        }, result.Output.Select(o => o.ToString()));
    }
}
