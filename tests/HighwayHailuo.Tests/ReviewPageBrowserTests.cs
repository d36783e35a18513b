// The review page in a real browser (Debian's chromium, headless, driven by Playwright), made by a
// real draft pipeline through the engine: New-HailuoVideo | Wait | Save against FakeHighway serving
// a real H.264 clip, then Export-HailuoReview. The page must load with no console error, every
// video must point at a saved file and report a duration, the filters must hide exactly the other
// cards, the keepers CSV must go back into New-HailuoVideo -WhatIf row for row, and text from the
// user or the server must stay text. CI installs chromium (.ci/run); HAILUO_CHROMIUM names another.
using System.Diagnostics;
using System.Text;
using FakeHighway;
using Microsoft.Playwright;
using Xunit;
using Xunit.Abstractions;

namespace HighwayHailuo.Tests;

/// <summary>One draft batch, its review page, and one browser for the whole class; a fresh browser context per test.</summary>
public sealed class ReviewPageRig : IAsyncLifetime
{
    public const string HostilePrompt = "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\"> a \"quoted\", comma'd prompt";
    public const string HostileReason = "<b>policy</b><script>window.__pwned=3</script> refused";

    public FakeHighwayServer Fake { get; private set; } = null!;
    public PowerShellSession Session { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public string PagePath => Path.Combine(Session.WorkDir, "review.html");
    public HailuoTask[] Tasks { get; private set; } = [];

    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("HAILUO_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        Fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions
        {
            QueuedFor = TimeSpan.Zero,
            ProcessingFor = TimeSpan.FromMilliseconds(100),
            PlayableVideo = File.ReadAllBytes(TestImages.Fixture("clip.mp4")),
            FailWhen = s => s.Prompt.StartsWith("fail", StringComparison.Ordinal) ? HostileReason : null,
            // One task stays running: the page shows its state instead of a video.
            TaskLife = s => s.Prompt == "still going" ? (TimeSpan.Zero, TimeSpan.FromHours(1)) : (TimeSpan.Zero, TimeSpan.FromMilliseconds(100)),
        });
        Session = new PowerShellSession(Fake);
        string photos = Path.Combine(Session.WorkDir, "photos");
        Directory.CreateDirectory(photos);
        File.Copy(TestImages.Fixture("photo.jpg"), Path.Combine(photos, "beach.jpg"));
        File.Copy(TestImages.Fixture("portrait.png"), Path.Combine(photos, "my photo #1.png")); // a space and a '#' in the link
        File.Copy(TestImages.Fixture("progressive.jpg"), Path.Combine(photos, "harbour.jpg"));
        File.Copy(TestImages.Fixture("photo.jpg"), Path.Combine(photos, "end.jpg"));

        // A draft batch as the README's recipe makes it: two models, one last frame, a hostile prompt,
        // a failed task, a task still running, all in one journal; then every task and every saved video to the page.
        var run = Session.Run("""
            $hostile = $args[0]
            $j = './drafts.jsonl'
            $null = Get-ChildItem ./photos/beach.jpg, './photos/my photo #1.png' | New-HailuoVideo -Model Hailuo-2.3-Fast -Prompt 'slow push in' -Journal $j
            $null = New-HailuoVideo -LiteralPath ./photos/harbour.jpg -Model Hailuo-2.3-Fast -Prompt $hostile -Journal $j
            $null = New-HailuoVideo -LiteralPath ./photos/harbour.jpg -Model Hailuo-02 -LastFrame ./photos/end.jpg -Prompt 'day to night' -Journal $j
            $null = New-HailuoVideo -LiteralPath ./photos/harbour.jpg -Model Hailuo-02 -Prompt 'fail, please' -Journal $j
            $null = New-HailuoVideo -LiteralPath ./photos/beach.jpg -Prompt 'still going' -Journal $j
            $null = Get-HailuoTask -Journal $j | Where-Object Prompt -ne 'still going' | Wait-HailuoTask -PollInterval 0.1 -ErrorAction SilentlyContinue
            $tasks = @(Get-HailuoTask -Journal $j)
            $saved = @($tasks | Where-Object Status -eq Succeeded | Save-HailuoVideo -Destination ./drafts)
            $tasks + $saved | Export-HailuoReview ./review.html
            $tasks
            """, HostilePrompt);
        Assert.Null(run.Terminating);
        Tasks = run.Objects<HailuoTask>();
        Assert.True(Tasks.Length == 6, $"{Tasks.Length} tasks; errors: " + string.Join("\n", run.Errors.Select(e => e.ErrorId() + ": " + e.Exception.Message)));

        Assert.True(File.Exists(ChromiumPath), $"No chromium at '{ChromiumPath}': install Debian's chromium (apt-get install chromium), as .ci/run does, or set HAILUO_CHROMIUM.");
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath, // Playwright's own browsers cannot be downloaded here
            Headless = true,
            Args = ["--no-sandbox"],       // CI runs as root
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser != null)
            await Browser.CloseAsync();
        Playwright?.Dispose();
        Session?.Dispose();
        if (Fake != null)
            await Fake.DisposeAsync();
    }
}

// Chromium is several busy processes: alone, so that it never starves the timing-sensitive tests
// (polling, pacing) that run side by side in the rest of the suite.
[CollectionDefinition(nameof(BrowserCollection), DisableParallelization = true)]
public sealed class BrowserCollection
{
}

[Collection(nameof(BrowserCollection))]
public sealed class ReviewPageBrowserTests(ReviewPageRig rig, ITestOutputHelper output) : IClassFixture<ReviewPageRig>
{
    // The page attaches a card's videos only near the screen (a placeholder .video-slot otherwise):
    // wait until no card on screen still holds a placeholder, then for every attached video's
    // metadata (or its error). OpenAsync then waits for every last-frame video's seek to its end.
    internal const string MediaReady = """
        async () => {
          const onScreen = e => { const c = e.closest('.card'); if (!c || c.hidden) return false;
            const r = c.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; };
          const started = performance.now();
          while (Array.from(document.querySelectorAll('.video-slot')).some(onScreen)) {
            if (performance.now() - started > 10000) throw new Error('videos on screen were not attached');
            await new Promise(r => requestAnimationFrame(r));
          }
          await Promise.all(Array.from(document.querySelectorAll('video')).map(v => v.readyState >= 1 ? true :
            new Promise((resolve, reject) => {
              v.addEventListener('loadedmetadata', () => resolve(true), { once: true });
              v.addEventListener('error', () => reject(new Error('video failed: ' + v.currentSrc)), { once: true });
            })));
        }
        """;

    private sealed record Opened(IBrowserContext Context, IPage Page, List<string> Errors) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => new(Context.CloseAsync());
    }

    /// <summary>Opens the page, recording console errors and page errors from before it loads.</summary>
    private async Task<Opened> OpenAsync(string? path = null)
    {
        var context = await rig.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            AcceptDownloads = true,
        });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") lock (errors) errors.Add($"console: {m.Text} @ {m.Location}"); };
        page.PageError += (_, e) => { lock (errors) errors.Add($"page error: {e}"); };
        var clock = Stopwatch.StartNew();
        await page.GotoAsync(new Uri(path ?? rig.PagePath).AbsoluteUri);
        await page.EvaluateAsync(MediaReady);
        await page.WaitForFunctionAsync("() => Array.from(document.querySelectorAll('video.lastframe')).every(v => v.dataset.seeked === 'true')");
        output.WriteLine($"page and media ready in {clock.ElapsedMilliseconds} ms");
        return new Opened(context, page, errors);
    }

    private Task<string[]> VisibleCards(IPage page) =>
        page.EvaluateAsync<string[]>("() => Array.from(document.querySelectorAll('.card')).filter(c => !c.hidden).map(c => c.dataset.taskId)");

    [Fact]
    public async Task ThePageLoadsWithNoConsoleErrorAndShowsEveryTaskAndImage()
    {
        await using var o = await OpenAsync();

        Assert.Equal(rig.Tasks.Select(t => t.TaskId).Order(), (await VisibleCards(o.Page)).Order());
        var broken = await o.Page.EvaluateAsync<string[]>("""
            async () => {
              const images = Array.from(document.images);
              images.forEach(i => i.loading = 'eager');
              await Promise.all(images.map(i => i.decode().catch(() => null)));
              return images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);
            }
            """);
        Assert.Empty(broken);
        // Six first frames and the one last frame the 02 task was given.
        Assert.Equal(7, await o.Page.Locator("img").CountAsync());
        Assert.Empty(o.Errors);
        // No request left the machine: every resource the page used is a file beside it.
        var resources = await o.Page.EvaluateAsync<string[]>("() => performance.getEntriesByType('resource').map(e => e.name)");
        Assert.All(resources, r => Assert.StartsWith("file:", r));
    }

    public sealed class ClipInfo
    {
        public string Src { get; set; } = "";
        public bool Attached { get; set; }
        public double Duration { get; set; }
    }

    /// <summary>Every card's main video: where it points, whether its player is attached, and its duration (-1 while not).</summary>
    internal const string Clips = """
        () => Array.from(document.querySelectorAll('.card .clip')).map(e => ({ src: new URL(e.dataset.src, document.baseURI).href,
          attached: e.tagName === 'VIDEO' && e.getAttribute('src') === e.dataset.src, duration: e.tagName === 'VIDEO' ? e.duration : -1 }))
        """;

    [Fact]
    public async Task EveryVideoPointsAtASavedFileAndReportsADuration()
    {
        await using var o = await OpenAsync();

        var clips = await o.Page.EvaluateAsync<ClipInfo[]>(Clips);
        Assert.All(clips, c => Assert.True(c.Attached, $"not attached: {c.Src}")); // a page this size attaches every video at once

        Assert.Equal(rig.Tasks.Count(t => t.Status == HailuoTaskStatus.Succeeded), clips.Length);
        var saved = Directory.GetFiles(Path.Combine(rig.Session.WorkDir, "drafts"), "*.mp4").Select(Path.GetFullPath).Order().ToList();
        Assert.Equal(saved, clips.Select(c => Path.GetFullPath(new Uri(c.Src).LocalPath)).Order().ToList());
        Assert.All(clips, c => Assert.InRange(c.Duration, 1.9, 2.1)); // the fixture clip is 2 s long
        // A task with no video shows its state, and a failed one its reason.
        Assert.Contains("Processing", await o.Page.Locator($".card[data-task-id='{rig.Tasks.Single(t => t.Prompt == "still going").TaskId}'] .state").TextContentAsync());
        Assert.Contains("refused", await o.Page.Locator($".card[data-task-id='{rig.Tasks.Single(t => t.Status == HailuoTaskStatus.Failed).TaskId}'] .state").TextContentAsync());
        Assert.Empty(o.Errors);
    }

    [Fact]
    public async Task EachFilterShowsExactlyItsCardsAndAllShowsEveryCard()
    {
        await using var o = await OpenAsync();

        foreach (var model in rig.Tasks.Select(t => t.Model!).Distinct())
        {
            await o.Page.SelectOptionAsync("#filter-model", model);
            Assert.Equal(rig.Tasks.Where(t => t.Model == model).Select(t => t.TaskId).Order(), (await VisibleCards(o.Page)).Order());
            Assert.False(await o.Page.Locator($".card[data-task-id='{rig.Tasks.First(t => t.Model != model).TaskId}']").IsVisibleAsync());
        }
        await o.Page.SelectOptionAsync("#filter-model", "");
        foreach (var status in rig.Tasks.Select(t => t.Status.ToString()).Distinct())
        {
            await o.Page.SelectOptionAsync("#filter-status", status);
            Assert.Equal(rig.Tasks.Where(t => t.Status.ToString() == status).Select(t => t.TaskId).Order(), (await VisibleCards(o.Page)).Order());
        }
        await o.Page.SelectOptionAsync("#filter-model", "Hailuo-02");
        await o.Page.SelectOptionAsync("#filter-status", "Failed");
        Assert.Equal([rig.Tasks.Single(t => t.Status == HailuoTaskStatus.Failed).TaskId], await VisibleCards(o.Page));
        await o.Page.SelectOptionAsync("#filter-model", "");
        await o.Page.SelectOptionAsync("#filter-status", "");
        Assert.Equal(rig.Tasks.Length, (await VisibleCards(o.Page)).Length);
        Assert.Empty(o.Errors);
    }

    [Fact]
    public async Task TheKeepersCsvGoesBackIntoNewHailuoVideoRowForRow()
    {
        await using var o = await OpenAsync();
        // The drafts that 2.3 can render as they are: every finished one without a last frame, the hostile one among them.
        var kept = rig.Tasks.Where(t => t.Status == HailuoTaskStatus.Succeeded && t.LastFrame == null).ToList();
        Assert.Equal(3, kept.Count);
        foreach (var task in kept)
            await o.Page.Locator($".card[data-task-id='{task.TaskId}'] input.keep").CheckAsync();
        await o.Page.SelectOptionAsync("#filter-status", "Failed"); // kept cards hidden by a filter are still downloaded

        var download = await o.Page.RunAndWaitForDownloadAsync(() => o.Page.ClickAsync("#download-keepers"));
        string csv = Path.Combine(rig.Session.WorkDir, "keepers.csv");
        await download.SaveAsAsync(csv);
        Assert.Equal("keepers.csv", download.SuggestedFilename);
        output.WriteLine(await File.ReadAllTextAsync(csv));

        int before = rig.Fake.Submissions.Count;
        int shownBefore = rig.Session.Host.PlainText.Length;
        var render = rig.Session.Run("Import-Csv ./keepers.csv | New-HailuoVideo -Model Hailuo-2.3 -Resolution 1080P -WhatIf");

        Assert.Null(render.Terminating);
        Assert.Empty(render.Errors);
        // The host wraps long lines: compare without white space.
        string shown = string.Concat(rig.Session.Host.PlainText.Substring(shownBefore).Where(c => !char.IsWhiteSpace(c)));
        var whatIf = shown.Split("Whatif:").Where(l => l.Contains("Submitapaid6s1080PHailuo-2.3image-to-videotask", StringComparison.Ordinal)).ToList();
        Assert.Equal(kept.Count, whatIf.Count);
        foreach (var task in kept)
            Assert.Contains(whatIf, w => w.Contains(string.Concat(Path.GetFileName(task.SourceImage!).Where(c => !char.IsWhiteSpace(c))), StringComparison.Ordinal));
        Assert.Contains(render.Information, i => i.StartsWith($"What if: {kept.Count} videos, 18 s of video in total: Hailuo-2.3 18 s (3 at 1080P); estimated cost about 1.47 USD", StringComparison.Ordinal));
        Assert.Equal(before, rig.Fake.Submissions.Count);
        // The prompts come back exactly, the hostile one too.
        var prompts = rig.Session.Run("(Import-Csv ./keepers.csv).Prompt").Output.Select(p => p.ToString()).Order().ToList();
        Assert.Equal(kept.Select(t => t.Prompt!).Order().ToList(), prompts);
        Assert.Empty(o.Errors);
    }

    [Fact]
    public async Task TextFromTheUserOrTheServerStaysText()
    {
        await using var o = await OpenAsync();

        Assert.Equal("undefined", await o.Page.EvaluateAsync<string>("() => typeof window.__pwned"));
        var hostile = rig.Tasks.Single(t => t.Prompt == ReviewPageRig.HostilePrompt);
        Assert.Equal(ReviewPageRig.HostilePrompt, await o.Page.Locator($".card[data-task-id='{hostile.TaskId}'] .prompt").TextContentAsync());
        var failed = rig.Tasks.Single(t => t.Status == HailuoTaskStatus.Failed);
        Assert.Contains(failed.Reason!, await o.Page.Locator($".card[data-task-id='{failed.TaskId}'] .state").TextContentAsync());
        Assert.Equal(0, await o.Page.Locator("img[src='x'], .card b, .card script").CountAsync());
        Assert.Equal(2, await o.Page.Locator("script").CountAsync()); // the data block and the page's own script
        Assert.Empty(o.Errors);
    }

    [Fact]
    public async Task OnlyThePagesOwnScriptRunsAnEditedScriptIsBlocked()
    {
        string tampered = Path.Combine(rig.Session.WorkDir, "tampered.html");
        string page = await File.ReadAllTextAsync(rig.PagePath);
        Assert.Contains("script-src 'sha256-", page);
        await File.WriteAllTextAsync(tampered, page.Replace("'use strict';", "'use strict'; window.__pwned = 4;"));
        var context = await rig.Browser.NewContextAsync();
        try
        {
            var p = await context.NewPageAsync();
            var errors = new List<string>();
            p.Console += (_, m) => { if (m.Type == "error") lock (errors) errors.Add(m.Text); };
            await p.GotoAsync(new Uri(tampered).AbsoluteUri);
            Assert.Equal("undefined", await p.EvaluateAsync<string>("() => typeof window.__pwned"));
            Assert.Equal(0, await p.Locator(".card").CountAsync());
            Assert.Contains(errors, e => e.Contains("Content Security Policy", StringComparison.Ordinal));
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    // A whole folder on one page: 5,000 saved videos (each a copy of the 2 s clip, piped as
    // Save-HailuoVideo writes them, with a TaskId). Chromium refuses a page's 1,001st media player,
    // so the page keeps players only near the screen: the page still loads without an error, the
    // cards on screen play, the last card plays once scrolled to, and the players stay bounded.
    [Theory]
    [InlineData(1)]
    [InlineData(5000)]
    public async Task APageOfAnySizeLoadsWithoutErrorAndKeepsItsPlayersBounded(int videos)
    {
        string folder = Path.Combine(rig.Session.WorkDir, $"size-{videos}");
        Directory.CreateDirectory(Path.Combine(folder, "videos"));
        byte[] clip = File.ReadAllBytes(TestImages.Fixture("clip.mp4"));
        for (int i = 0; i < videos; i++)
            File.WriteAllBytes(Path.Combine(folder, "videos", $"v{i:0000}.mp4"), clip);
        var clock = Stopwatch.StartNew();
        rig.Session.Run("""
            Get-ChildItem -LiteralPath $args[0] -Filter *.mp4 | Sort-Object Name |
                ForEach-Object { Add-Member -InputObject $_ -NotePropertyName TaskId -NotePropertyValue $_.BaseName -PassThru } |
                Export-HailuoReview (Join-Path $args[1] 'review.html')
            """, Path.Combine(folder, "videos"), folder).ThrowIfFailed();
        output.WriteLine($"{videos} videos: Export-HailuoReview {clock.ElapsedMilliseconds} ms, page {new FileInfo(Path.Combine(folder, "review.html")).Length:N0} bytes");

        await using var o = await OpenAsync(Path.Combine(folder, "review.html"));
        Assert.Equal(videos, await o.Page.Locator(".card").CountAsync());
        const string players = "() => document.querySelectorAll('video').length";
        int attached = await o.Page.EvaluateAsync<int>(players);
        var first = (await o.Page.EvaluateAsync<ClipInfo[]>(Clips)).First();
        Assert.True(first.Attached && first.Duration > 1.9, $"the first card's video: attached {first.Attached}, {first.Duration} s");

        await o.Page.Locator(".card").Last.ScrollIntoViewIfNeededAsync();
        await o.Page.EvaluateAsync(MediaReady);
        var last = (await o.Page.EvaluateAsync<ClipInfo[]>(Clips)).Last();
        int attachedAtTheEnd = await o.Page.EvaluateAsync<int>(players);

        // Back at the top, the first card's player (released on the way down) plays again.
        await o.Page.Locator(".card").First.ScrollIntoViewIfNeededAsync();
        await o.Page.EvaluateAsync(MediaReady);
        var again = (await o.Page.EvaluateAsync<ClipInfo[]>(Clips)).First();

        Assert.True(last.Attached && last.Duration > 1.9, $"the last card's video: attached {last.Attached}, {last.Duration} s");
        Assert.True(again.Attached && again.Duration > 1.9, $"the first card's video again: attached {again.Attached}, {again.Duration} s");
        Assert.Equal(0, await o.Page.Locator(".card .state").CountAsync()); // no card says its video could not be played
        Assert.InRange(attached, 1, 120);
        Assert.InRange(attachedAtTheEnd, 1, 120);
        Assert.Empty(o.Errors);
        output.WriteLine($"{videos} videos: {attached} players at the top, {attachedAtTheEnd} at the end");
    }

    // The README's screenshot: HAILUO_SCREENSHOT names where to write it (docs/images/review-page.png).
    [Fact]
    public async Task AScreenshotOfThePageShowsItsCards()
    {
        await using var o = await OpenAsync();
        await o.Page.Locator($".card[data-task-id='{rig.Tasks.First(t => t.Status == HailuoTaskStatus.Succeeded).TaskId}'] input.keep").CheckAsync();
        string path = Environment.GetEnvironmentVariable("HAILUO_SCREENSHOT") is { Length: > 0 } target ? target : Path.Combine(rig.Session.WorkDir, "review.png");

        byte[] png = await o.Page.ScreenshotAsync(new PageScreenshotOptions { Path = path });

        Assert.True(png.Length > 10_000, $"{png.Length} bytes");
        Assert.Contains("1 kept", await o.Page.TextContentAsync("#summary"));
        output.WriteLine($"screenshot: {path}");
        Assert.Empty(o.Errors);
    }
}
