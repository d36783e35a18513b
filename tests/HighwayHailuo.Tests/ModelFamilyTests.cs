// The Hailuo family through the real engine against FakeHighway, which serves all four endpoints
// and answers 400 for a field an endpoint does not take: every model and mode, each model's rules
// checked before anything is sent, and the model carried by the task, the journal and -WhatIf.
using System.Management.Automation;
using System.Text.Json;
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class ModelFamilyTests
{
    /// <summary>The models as Get-Help about_HighwayHailuo documents them, in the table's order, and whether any of its rows takes a last frame.</summary>
    private static List<(string Model, bool TakesLastFrame)> DocumentedModels(PowerShellSession session) =>
        session.Run("""
            Import-Module $args[0]
            $table = @(Get-DocumentedModelTable)
            $table.Model | Select-Object -Unique | ForEach-Object { $model = $_; $model + '|' + [bool](@($table | Where-Object Model -eq $model).LastFrame -contains 'optional') }
            """, Path.Combine(PowerShellSession.RepoRoot, "tests", "Sweeps", "CallShapes.psm1")).ThrowIfFailed()
            .Output.Select(o => o.ToString().Split('|')).Select(p => (p[0], bool.Parse(p[1]))).ToList();

    private static void Photos(PowerShellSession session, params string[] names)
    {
        foreach (var name in names)
            File.Copy(TestImages.Fixture("photo.jpg"), Path.Combine(session.WorkDir, name));
    }

    [Theory]
    [InlineData("", "minimax-hailuo-2.3-i2v", "Hailuo-2.3", "prompt,image,duration,resolution,enable_prompt_expansion,fast_pretreatment")]
    [InlineData("-Model Hailuo-2.3", "minimax-hailuo-2.3-i2v", "Hailuo-2.3", "prompt,image,duration,resolution,enable_prompt_expansion,fast_pretreatment")]
    [InlineData("-Model hailuo-2.3-fast", "minimax-hailuo-2.3-fast-i2v", "Hailuo-2.3-Fast", "prompt,image,duration,resolution,enable_prompt_expansion")]
    [InlineData("-Model Hailuo-02", "minimax-hailuo-02", "Hailuo-02", "prompt,image,duration,resolution,enable_prompt_expansion,fast_pretreatment")]
    public async Task EachModelSendsTheImageToItsOwnEndpointWithOnlyItsFields(string model, string endpoint, string name, string fields)
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        Photos(session, "a.jpg");

        var task = session.Run($"New-HailuoVideo ./a.jpg -Prompt 'waves' {model}").ThrowIfFailed().Objects<HailuoTask>().Single();

        var sent = Assert.Single(fake.Submissions);
        Assert.Equal((endpoint, fields), (sent.Endpoint, string.Join(",", sent.Fields)));
        Assert.Equal("data", sent.ImageKind);
        Assert.Equal(name, task.Model);
        Assert.Null(task.LastFrame);
    }

    [Fact]
    public async Task TextOnlyPromptsComeDownThePipelineAsStringsAndGoToTheTextEndpoints()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;

        var result = session.Run("'a red fox in snow', 'a lighthouse at dusk' | New-HailuoVideo -TextOnly; New-HailuoVideo -TextOnly 'a kite' -Model Hailuo-02 -FastPretreatment");

        result.ThrowIfFailed();
        var tasks = result.Objects<HailuoTask>().OrderBy(t => t.Prompt).ToList();
        Assert.Equal(new[] { "a kite", "a lighthouse at dusk", "a red fox in snow" }, tasks.Select(t => t.Prompt));
        Assert.All(tasks, t => Assert.Null(t.SourceImage));
        Assert.Equal(new[] { "Hailuo-02", "Hailuo-2.3", "Hailuo-2.3" }, tasks.Select(t => t.Model));
        var sent = fake.Submissions.OrderBy(s => s.Prompt).ToList();
        Assert.Equal(new[] { "minimax-hailuo-02", "minimax-hailuo-2.3-t2v", "minimax-hailuo-2.3-t2v" }, sent.Select(s => s.Endpoint));
        Assert.All(sent, s => Assert.Equal("prompt,duration,resolution,enable_prompt_expansion,fast_pretreatment", string.Join(",", s.Fields)));
        Assert.True(sent[0].FastPretreatment);
    }

    [Fact]
    public async Task TextOnlyPromptsComeFromACsvWithAPromptColumnAndItsOwnModels()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        File.WriteAllText(Path.Combine(session.WorkDir, "prompts.csv"), """
            Prompt,Model,Duration
            a red fox in snow,,6
            a lighthouse at dusk,Hailuo-02,10
            a paper boat,Hailuo-2.3-Fast,6
            """.Replace("            ", ""));

        var result = session.Run("Import-Csv prompts.csv | New-HailuoVideo -TextOnly");

        var tasks = result.Objects<HailuoTask>().OrderBy(t => t.Prompt).ToList();
        Assert.Equal(new[] { ("a lighthouse at dusk", "Hailuo-02", 10), ("a red fox in snow", "Hailuo-2.3", 6) }, tasks.Select(t => (t.Prompt!, t.Model!, t.Duration!.Value)));
        // The Fast row is refused on its own (2.3 Fast has no text-only endpoint); the others went on.
        var error = Assert.Single(result.Errors);
        Assert.Equal("TextOnlyNotSupported", error.ErrorId());
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(2, fake.Submissions.Count);
    }

    [Fact]
    public async Task APipelineThatDeliversNoImagesSendsNothing()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        Directory.CreateDirectory(Path.Combine(session.WorkDir, "empty"));

        var result = session.Run("Get-ChildItem ./empty | New-HailuoVideo -Prompt x; @() | New-HailuoVideo -Prompt y -Model Hailuo-02");

        result.ThrowIfFailed();
        Assert.Empty(result.Output);
        Assert.Equal(0, fake.SubmitRequestCount);
    }

    [Fact]
    public async Task WithoutTheSwitchNothingBecomesTextOnlyAndAPipedPathIsNeverAPrompt()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        Photos(session, "a.jpg");
        File.WriteAllText(Path.Combine(session.WorkDir, "prompts.csv"), "Prompt,TextOnly\na red fox,True\n");

        var row = session.Run("[pscustomobject]@{ Prompt = 'x'; TextOnly = $true } | New-HailuoVideo -Model Hailuo-02");
        var csv = session.Run("Import-Csv prompts.csv | New-HailuoVideo");
        var bare = session.Run("'a.jpg' | New-HailuoVideo"); // no prompt: the path must not become one
        var textless = session.Run("[pscustomobject]@{ Text = 'x' } | New-HailuoVideo -TextOnly");

        Assert.All(new[] { row, csv, bare, textless }, r => Assert.NotEmpty(r.Errors.Concat(r.Terminating == null ? [] : [r.Terminating])));
        Assert.Equal("PromptMissing", Assert.Single(textless.Errors).ErrorId());
        Assert.Equal(0, fake.SubmitRequestCount);
    }

    [Fact]
    public async Task UnderTextOnlyAPipedImageIsRefusedNotLeftOutAndOnePromptSourceIsAllowed()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        Photos(session, "a.jpg", "b.jpg");
        File.WriteAllText(Path.Combine(session.WorkDir, "shots.csv"), "Path,Prompt\na.jpg,one\nb.jpg,two\n");

        var rows = session.Run("Import-Csv shots.csv | New-HailuoVideo -TextOnly");
        var files = session.Run("Get-ChildItem *.jpg | New-HailuoVideo -TextOnly");
        var both = session.Run("'a fox', 'a cat' | New-HailuoVideo -TextOnly -Prompt 'a dog'");
        var off = session.Run("New-HailuoVideo -TextOnly:$false -Prompt 'a dog'");

        Assert.Equal(new[] { "TextOnlyItemHasImage", "TextOnlyItemHasImage" }, rows.Errors.Select(e => e.ErrorId()));
        Assert.Equal(new[] { "TextOnlyItemHasImage", "TextOnlyItemHasImage" }, files.Errors.Select(e => e.ErrorId()));
        Assert.Equal("PromptConflict", both.Terminating?.ErrorId());
        Assert.Equal("TextOnlyNotSupported", off.Terminating?.ErrorId());
        Assert.Equal(0, fake.SubmitRequestCount);
    }

    [Theory]
    [InlineData("'x' | New-HailuoVideo -TextOnly -Model Hailuo-2.3-Fast", "TextOnlyNotSupported", ErrorCategory.InvalidArgument)]
    [InlineData("Get-ChildItem *.jpg | New-HailuoVideo -Prompt x -Model Hailuo-2.3-Fast -FastPretreatment", "FastPretreatmentNotSupported", ErrorCategory.InvalidArgument)]
    [InlineData("Get-ChildItem *.jpg | New-HailuoVideo -Prompt x -LastFrame b.jpg", "LastFrameNotSupported", ErrorCategory.InvalidArgument)]
    [InlineData("Get-ChildItem *.jpg | New-HailuoVideo -Prompt x -LastFrame b.jpg -Model Hailuo-2.3-Fast", "LastFrameNotSupported", ErrorCategory.InvalidArgument)]
    [InlineData("New-HailuoVideo -TextOnly 'a fox' -LastFrame b.jpg -Model Hailuo-02", "LastFrameNeedsFirstFrame", ErrorCategory.InvalidArgument)]
    [InlineData("Get-ChildItem *.jpg | New-HailuoVideo -Prompt x -LastFrame tiny.png -Model Hailuo-02", "ImageTooSmall", ErrorCategory.InvalidData)]
    [InlineData("Get-ChildItem *.jpg | New-HailuoVideo -Prompt x -LastFrame missing.png -Model Hailuo-02", "ImageNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("Get-ChildItem *.jpg | New-HailuoVideo -Prompt x -LastFrame ftp://example.test/z.jpg -Model Hailuo-02", "InvalidImageUri", ErrorCategory.InvalidArgument)]
    [InlineData("Get-ChildItem *.jpg | New-HailuoVideo -Prompt x -Model Hailuo-2.3-Fast -Duration 10 -Resolution 1080P", "DurationResolutionMismatch", ErrorCategory.InvalidArgument)]
    [InlineData("New-HailuoVideo -TextOnly x -Model Hailuo-02 -Duration 10 -Resolution 1080P", "DurationResolutionMismatch", ErrorCategory.InvalidArgument)]
    public async Task ARuleBrokenByTheCommandLineStopsTheCallOnceBeforeAnythingIsSent(string script, string errorId, ErrorCategory category)
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        Photos(session, "a.jpg", "b.jpg");
        File.Copy(TestImages.Fixture("tiny.png"), Path.Combine(session.WorkDir, "tiny.png"));

        var result = session.Run(script);

        Assert.Equal(errorId, result.Terminating?.ErrorId());
        Assert.Equal(category, result.Terminating!.CategoryInfo.Category);
        Assert.Empty(result.Errors); // one error for the call, not one per image
        Assert.Equal(0, fake.SubmitRequestCount);
    }

    // FakeHighway is as strict as the reference pages: were the module to send a field an endpoint
    // does not take, or leave out a required image, the tests above would fail on its 400.
    [Theory]
    [InlineData("minimax-hailuo-2.3-fast-i2v", """{"prompt":"p","image":"https://images.test/a.jpg","fast_pretreatment":false}""", "does not take: fast_pretreatment")]
    [InlineData("minimax-hailuo-2.3-fast-i2v", """{"prompt":"p"}""", "image is required")]
    [InlineData("minimax-hailuo-2.3-t2v", """{"prompt":"p","image":"https://images.test/a.jpg"}""", "does not take: image")]
    [InlineData("minimax-hailuo-2.3-i2v", """{"prompt":"p","image":"https://images.test/a.jpg","end_image":"https://images.test/z.jpg"}""", "does not take: end_image")]
    [InlineData("minimax-hailuo-02", """{"prompt":"p","end_image":"https://images.test/z.jpg"}""", "end_image needs image")]
    public async Task FakeHighwayRefusesWhatAnEndpointDoesNotTake(string endpoint, string body, string why)
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fake.BaseUri, "v3/async/" + endpoint))
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", fake.Options.ApiKey);

        using var answer = await http.SendAsync(request);

        Assert.Equal(400, (int)answer.StatusCode);
        Assert.Contains(why, await answer.Content.ReadAsStringAsync());
        Assert.Empty(fake.Submissions);
    }

    [Fact]
    public async Task ALastFrameIsSentAsEndImageWithTheFirstAndTravelsWithTheTask()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        Photos(session, "dawn.jpg");
        var last = File.ReadAllBytes(TestImages.Fixture("portrait.png"));
        TestImages.Write(session.WorkDir, "noon.png", last);

        var task = session.Run("New-HailuoVideo ./dawn.jpg -LastFrame ./noon.png -Model Hailuo-02 -Prompt 'sun climbs' -Duration 10").ThrowIfFailed().Objects<HailuoTask>().Single();

        var sent = Assert.Single(fake.Submissions);
        Assert.Equal("minimax-hailuo-02", sent.Endpoint);
        Assert.Equal("prompt,image,end_image,duration,resolution,enable_prompt_expansion,fast_pretreatment", string.Join(",", sent.Fields));
        Assert.Equal(TestImages.Sha256(File.ReadAllBytes(Path.Combine(session.WorkDir, "dawn.jpg"))), sent.ImageSha256);
        Assert.Equal(TestImages.Sha256(last), sent.EndImageSha256);
        Assert.Equal(Path.Combine(session.WorkDir, "noon.png"), task.LastFrame);
        Assert.Equal("Hailuo-02", task.Model);
    }

    [Fact]
    public async Task CsvRowsBringTheirOwnModelAndLastFrameAndABadRowDoesNotStopTheRest()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        Photos(session, "a.jpg", "b.jpg", "z.jpg");
        File.WriteAllText(Path.Combine(session.WorkDir, "frames.csv"), """
            Path,LastFrame,Model,Prompt
            a.jpg,z.jpg,Hailuo-02,first to last
            b.jpg,,,plain
            b.jpg,z.jpg,Hailuo-2.3,not allowed
            a.jpg,https://images.test/end.jpg,hailuo-02,to a url
            """.Replace("            ", ""));

        var result = session.Run("Import-Csv frames.csv | New-HailuoVideo");

        var tasks = result.Objects<HailuoTask>().OrderBy(t => t.Prompt).ToList();
        Assert.Equal(new[] { "first to last", "plain", "to a url" }, tasks.Select(t => t.Prompt));
        Assert.Equal(new[] { "Hailuo-02", "Hailuo-2.3", "Hailuo-02" }, tasks.Select(t => t.Model));
        Assert.Equal("LastFrameNotSupported", Assert.Single(result.Errors).ErrorId());
        var sent = fake.Submissions.OrderBy(s => s.Prompt).ToList();
        Assert.Equal(new[] { "data", "", "url" }, sent.Select(s => s.EndImageKind));
        Assert.Equal("https://images.test/end.jpg", sent[2].EndImageUrl);
    }

    [Fact]
    public async Task ADraftPipedBackInIsRenderedWithTheModelOnTheCommandLine()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        Photos(session, "beach.jpg", "harbour.jpg");

        var result = session.Run("""
            $drafts = Get-ChildItem *.jpg | New-HailuoVideo -Model Hailuo-2.3-Fast -Prompt 'slow push in' -CameraMovement PushIn -Duration 10 -WarningAction SilentlyContinue
            $drafts | Where-Object { $_.SourceImage -like '*beach.jpg' } | New-HailuoVideo -Model Hailuo-2.3 -CameraMovement PushIn
            """);

        result.ThrowIfFailed();
        var render = Assert.Single(result.Objects<HailuoTask>());
        // The draft's prompt as sent already ends with the move: it is not added twice.
        Assert.Equal(("Hailuo-2.3", "slow push in [推进]", 10), (render.Model, render.Prompt, render.Duration!.Value));
        Assert.EndsWith("beach.jpg", render.SourceImage);
        Assert.Equal(2, fake.Submissions.Count(s => s.Endpoint == "minimax-hailuo-2.3-fast-i2v"));
        var rendered = Assert.Single(fake.Submissions, s => s.Endpoint == "minimax-hailuo-2.3-i2v");
        Assert.Equal((10, "slow push in [推进]"), (rendered.Duration, rendered.Prompt));
    }

    [Fact]
    public async Task ADraftRestoredFromItsJournalIsRenderedWithTheModelOnTheCommandLine()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        // Two different photos: a journal takes the same content twice as one item.
        TestImages.Write(session.WorkDir, "a.jpg", TestImages.Jpeg(1280, 720));
        TestImages.Write(session.WorkDir, "b.jpg", TestImages.Jpeg(1024, 768));

        // Draft with 2.3 Fast into a journal; later (another session, say) pick a keeper from the
        // journal and render it with 2.3 at 1080P.
        var result = session.Run("""
            $drafts = Get-ChildItem *.jpg | New-HailuoVideo -Model Hailuo-2.3-Fast -Prompt 'slow push in' -Journal ./drafts.jsonl |
                Wait-HailuoTask -PollInterval 0.2 | Save-HailuoVideo -Destination ./drafts
            Get-HailuoTask -Journal ./drafts.jsonl | Where-Object { (Split-Path $_.SourceImage -Leaf) -eq 'b.jpg' } |
                New-HailuoVideo -Model Hailuo-2.3 -Resolution 1080P | Wait-HailuoTask -PollInterval 0.2 | Save-HailuoVideo -Destination ./final
            """).ThrowIfFailed();

        Assert.Equal(new[] { "b.mp4" }, result.Objects<FileInfo>().Select(f => f.Name));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(session.WorkDir, "drafts"), "*.mp4").Length);
        var rendered = Assert.Single(fake.Submissions, s => s.Endpoint == "minimax-hailuo-2.3-i2v");
        Assert.Equal(("1080P", "slow push in"), (rendered.Resolution, rendered.Prompt));
        Assert.Equal(2, fake.Submissions.Count(s => s.Endpoint == "minimax-hailuo-2.3-fast-i2v"));
        // The render did not go into the drafts' journal: it still lists the two drafts only.
        var journal = session.Run("(Get-HailuoTask -Journal ./drafts.jsonl).Model").ThrowIfFailed();
        Assert.Equal(new[] { "Hailuo-2.3-Fast", "Hailuo-2.3-Fast" }, journal.Output.Select(o => o.ToString()));
    }

    [Fact]
    public async Task ATextOnlyTaskPipedInWithoutTextOnlySaysWhatToDoAndSendsNothing()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;

        var result = session.Run("$t = New-HailuoVideo -TextOnly 'a cat'; $t | New-HailuoVideo");

        var error = Assert.Single(result.Errors);
        Assert.Equal("ImageMissing", error.ErrorId());
        Assert.StartsWith("Row 1 (Prompt 'a cat', Model 'Hailuo-2.3'", error.Exception.Message);
        Assert.Contains("use -TextOnly", error.Exception.Message);
        Assert.Equal(1, fake.SubmitRequestCount);
    }

    // Every model whose reference page lists no camera commands (the table's ListsCameraCommands column).
    [Theory]
    [InlineData("Hailuo-2.3-Fast")]
    [InlineData("Hailuo-02")]
    public async Task CameraCommandsWithAModelWhosePageListsNoneAreSentWithOneWarning(string model)
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        Photos(session, "a.jpg", "b.jpg");

        var fast = session.Run("Get-ChildItem *.jpg | New-HailuoVideo -Prompt 'waves' -CameraMovement PushIn -Model $args[0]", model);
        var plain = session.Run("Get-ChildItem *.jpg | New-HailuoVideo -Prompt 'waves [推进]'");

        fast.ThrowIfFailed();
        Assert.Contains(model, Assert.Single(fast.Warnings));
        Assert.All(fake.Submissions, s => Assert.Equal("waves [推进]", s.Prompt));
        Assert.Empty(plain.ThrowIfFailed().Warnings); // Hailuo 2.3 documents them
    }

    [Fact]
    public async Task TheJournalTellsModelsAndLastFramesApartAndGetHailuoTaskRestoresThem()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        Photos(session, "a.jpg", "z.jpg");
        const string batch = """
            New-HailuoVideo a.jpg -Prompt p -Journal run.jsonl
            New-HailuoVideo a.jpg -Prompt p -Journal run.jsonl -Model Hailuo-2.3-Fast
            New-HailuoVideo a.jpg -Prompt p -Journal run.jsonl -Model Hailuo-02
            New-HailuoVideo a.jpg -Prompt p -Journal run.jsonl -Model Hailuo-02 -LastFrame z.jpg
            New-HailuoVideo -TextOnly p -Journal run.jsonl
            New-HailuoVideo -TextOnly p -Journal run.jsonl -Model Hailuo-02
            """;

        var first = session.Run(batch).ThrowIfFailed().Objects<HailuoTask>();
        var again = session.Run(batch).ThrowIfFailed().Objects<HailuoTask>();
        // A changed last frame is a new submission.
        File.Copy(TestImages.Fixture("portrait.png"), Path.Combine(session.WorkDir, "z.jpg"), overwrite: true);
        var changed = session.Run("New-HailuoVideo a.jpg -Prompt p -Journal run.jsonl -Model Hailuo-02 -LastFrame z.jpg").ThrowIfFailed().Objects<HailuoTask>();

        Assert.Equal(6, first.Select(t => t.TaskId).Distinct().Count());
        Assert.Equal(first.Select(t => t.TaskId), again.Select(t => t.TaskId)); // nothing billed twice
        Assert.Equal(7, fake.Submissions.Count);
        Assert.DoesNotContain(changed.Single().TaskId, first.Select(t => t.TaskId));

        using var later = new PowerShellSession(fake) { };
        File.Copy(Path.Combine(session.WorkDir, "run.jsonl"), Path.Combine(later.WorkDir, "run.jsonl"));
        var restored = later.Run("Get-HailuoTask -Journal run.jsonl").ThrowIfFailed().Objects<HailuoTask>();
        Assert.Equal(new[] { "Hailuo-2.3", "Hailuo-2.3-Fast", "Hailuo-02", "Hailuo-02", "Hailuo-2.3", "Hailuo-02", "Hailuo-02" }, restored.Select(t => t.Model));
        Assert.Equal(new[] { false, false, false, true, false, false, true }, restored.Select(t => t.LastFrame != null));
        Assert.Equal(new[] { true, true, true, true, false, false, true }, restored.Select(t => t.SourceImage != null));

        var lines = File.ReadAllLines(Path.Combine(session.WorkDir, "run.jsonl")).Skip(1).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(lines, l => Assert.True(l.TryGetProperty("model", out _)));
        Assert.Contains(lines, l => l.TryGetProperty("lastFrameSha256", out _));
    }

    [Fact]
    public async Task WhatIfCountsVideosAndSecondsPerModelAndSendsNothing()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        Photos(session, "a.jpg", "b.jpg");

        var result = session.Run("""
            Get-ChildItem *.jpg | New-HailuoVideo -Prompt p -Model Hailuo-2.3-Fast -Duration 10 -WhatIf
            'x', 'y' | New-HailuoVideo -TextOnly -Resolution 1080P -WhatIf
            """);

        result.ThrowIfFailed();
        Assert.Equal(0, fake.SubmitRequestCount);
        Assert.Contains("What if: 2 videos, 20 s of video in total: Hailuo-2.3-Fast 20 s (2 at 768P); estimated cost unknown (Get-HailuoPrice has no figure for them). Nothing was sent.", result.Information);
        Assert.Contains("What if: 2 videos, 12 s of video in total: Hailuo-2.3 12 s (2 at 1080P); estimated cost about 0.98 USD (from Get-HailuoPrice: an estimate, not a quote). Nothing was sent.", result.Information);
        string shown = string.Concat(session.Host.PlainText.Where(c => !char.IsWhiteSpace(c)));
        Assert.Contains("Submitapaid6s1080PHailuo-2.3text-to-videotask(estimated0.49USD)\"ontarget\"\"x\"(textonly)\"", shown);
        Assert.Contains("Submitapaid10s768PHailuo-2.3-Fastimage-to-videotask", shown);
    }

    [Fact]
    public async Task AMixedBatchSummarisesEachModel()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        Photos(session, "a.jpg", "b.jpg");
        File.WriteAllText(Path.Combine(session.WorkDir, "mixed.csv"), "Path,Model,Prompt,Duration\na.jpg,Hailuo-2.3-Fast,p,6\nb.jpg,,q,10\na.jpg,Hailuo-02,r,6\n");

        var result = session.Run("Import-Csv mixed.csv | New-HailuoVideo -WhatIf").ThrowIfFailed();

        Assert.Contains("What if: 3 videos, 22 s of video in total: Hailuo-2.3-Fast 6 s (1 at 768P); Hailuo-2.3 10 s (1 at 768P); Hailuo-02 6 s (1 at 768P); estimated cost about 0.56 USD plus 2 videos at an unknown price (from Get-HailuoPrice: an estimate, not a quote). Nothing was sent.", result.Information);
    }

    [Fact]
    public async Task TheTableShowsTheModelAndATextOnlyTaskShowsItsPrompt()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;

        var text = session.Run("New-HailuoVideo -TextOnly 'a red fox' -Model Hailuo-02 | Format-Table | Out-String -Width 100").ThrowIfFailed().Output.Single().ToString();

        var row = RecordingHost.StripEscapes(text).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList()[2];
        Assert.Matches("^\"a red fox\"\\s+Queued\\s+02\\s+6 s 768P\\s+\\S{36}$", row);
    }

    [Fact]
    public async Task ATextOnlyVideoIsSavedUnderTheStartOfItsPrompt()
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(50) });
        var (fake, session) = rig;

        var saved = session.Run("New-HailuoVideo -TextOnly 'A red fox trots through fresh snow at dawn [跟随]' | Wait-HailuoTask -PollInterval 0.1 | Save-HailuoVideo -Destination .")
            .ThrowIfFailed().Objects<FileInfo>().Single();

        Assert.Equal("A red fox trots through fresh snow at.mp4", saved.Name);
    }

    [Fact]
    public async Task WaitingShowsATextOnlyTaskByItsPrompt()
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(600) });
        var (fake, session) = rig;

        var result = session.Run("New-HailuoVideo -TextOnly 'a lighthouse at dusk' | Wait-HailuoTask -PollInterval 0.1").ThrowIfFailed();

        Assert.Contains(result.Progress, p => p.StatusDescription.StartsWith("\"a lighthouse at dusk\": ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUnknownModelIsRefusedOnTheCommandLineAndPerRow()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        Photos(session, "a.jpg", "b.jpg");
        File.WriteAllText(Path.Combine(session.WorkDir, "rows.csv"), "Path,Model,Prompt\na.jpg,Hailuo-01,p\nb.jpg,hailuo-02,q\n");

        var typed = session.Run("New-HailuoVideo a.jpg -Prompt p -Model Hailuo-01");
        var rows = session.Run("Import-Csv rows.csv | New-HailuoVideo");

        Assert.Equal("UnknownModel", typed.Terminating?.ErrorId());
        var names = DocumentedModels(session).Select(m => m.Model).ToList();
        Assert.Contains("use " + string.Join(", ", names.SkipLast(1)) + " or " + names[^1], typed.Terminating!.Exception.Message);
        var refused = Assert.Single(rows.Errors);
        Assert.Equal("UnknownModel", refused.ErrorId());
        Assert.StartsWith("Row 1 (Path 'a.jpg', Prompt 'p', Model 'Hailuo-01')", refused.Exception.Message); // named, not a binding error
        Assert.Equal("Hailuo-02", Assert.Single(rows.Objects<HailuoTask>()).Model);
        Assert.Equal("minimax-hailuo-02", Assert.Single(fake.Submissions).Endpoint);
    }

    [Fact]
    public async Task ModelNamesCompleteWithWhatEachOffers()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;

        var result = session.Run("""
            $line = 'New-HailuoVideo -Model Hailuo-2'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object { $_.CompletionText + '|' + $_.ToolTip }
            """).ThrowIfFailed();

        // A prefix completes the documented models that start with it, in the table's order.
        var offered = result.Output.Select(o => o.ToString()).ToList();
        var documented = DocumentedModels(session);
        Assert.Equal(documented.Select(m => m.Model).Where(m => m.StartsWith("Hailuo-2", StringComparison.OrdinalIgnoreCase)), offered.Select(o => o.Split('|')[0]));
        Assert.Contains("image to video only", offered.Single(o => o.StartsWith("Hailuo-2.3-Fast|")));
        Assert.Contains("(default)", offered[0]);

        // Every model of the documented table, in its order; each that takes a last frame says so.
        var all = session.Run("""
            $line = 'New-HailuoVideo -Model '
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object { $_.CompletionText + '|' + $_.ToolTip }
            """).ThrowIfFailed().Output.Select(o => o.ToString()).ToList();
        Assert.Equal(documented.Select(m => m.Model), all.Select(o => o.Split('|')[0]));
        Assert.All(all.Zip(documented), pair => Assert.Equal(pair.Second.TakesLastFrame, pair.First.Contains("last frame")));
    }
}
