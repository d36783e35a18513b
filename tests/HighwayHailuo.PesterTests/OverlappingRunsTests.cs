// Several real pwsh processes on one journal and one videos folder, against one FakeHighway: what
// a scheduled runbook does when its previous run is still going, or a user starting the same
// script in a second terminal. And runs killed with SIGKILL, then run again.
using System.Text.Json;
using System.Text.RegularExpressions;
using FakeHighway;
using HighwayHailuo.Tests;
using Xunit;
using Xunit.Abstractions;

namespace HighwayHailuo.PesterTests;

public sealed class OverlappingRunsTests : IDisposable
{
    private const int Images = 12;
    private const string Batch = """
        param([string] $Manifest)
        Import-Module $Manifest
        $saved = @(Get-ChildItem ./photos | New-HailuoVideo -Prompt 'overlap' -Journal ./hailuo.jsonl |
            Wait-HailuoTask -PollInterval 0.2 | Save-HailuoVideo -Destination ./videos -SkipExisting)
        "SAVED $($saved.Count)"
        foreach ($e in $Error) { "ERROR $($e.FullyQualifiedErrorId.Split(',')[0])" }
        """;
    private const string SaveOnly = """
        param([string] $Manifest)
        Import-Module $Manifest
        $saved = @(Get-HailuoTask -Journal ./hailuo.jsonl | Save-HailuoVideo -Destination ./videos -SkipExisting)
        "SAVED $($saved.Count)"
        foreach ($e in $Error) { "ERROR $($e.FullyQualifiedErrorId.Split(',')[0])" }
        """;

    // As an Azure Automation runbook or a scheduled job runs it: no console, standard streams
    // redirected, every error ends the job, the key from a credential.
    private const string Runbook = """
        param([string] $Manifest)
        $ErrorActionPreference = 'Stop'
        Import-Module $Manifest
        Connect-Highway -ApiKey ([pscredential]::new('runbook', (ConvertTo-SecureString $env:RUNBOOK_KEY -AsPlainText -Force))) -BaseUri $env:RUNBOOK_URI
        $saved = @(Get-ChildItem ./photos | New-HailuoVideo -Prompt 'runbook' -Journal ./hailuo.jsonl |
            Wait-HailuoTask -PollInterval 0.2 | Save-HailuoVideo -Destination ./videos -SkipExisting)
        "SAVED $($saved.Count)"
        """;

    private readonly ITestOutputHelper _log;
    private readonly string _work = Directory.CreateTempSubdirectory("hailuo-overlap-").FullName;
    private readonly Dictionary<string, string> _imageBySha = new(StringComparer.OrdinalIgnoreCase);

    public OverlappingRunsTests(ITestOutputHelper log)
    {
        _log = log;
        for (int i = 0; i < Images; i++)
        {
            var png = TestImages.Png(400, 320 + i);
            TestImages.Write(Path.Combine(_work, "photos"), $"p{i:00}.png", png);
            _imageBySha[TestImages.Sha256(png)] = $"p{i:00}";
        }
        File.WriteAllText(Path.Combine(_work, "batch.ps1"), Batch);
        File.WriteAllText(Path.Combine(_work, "save.ps1"), SaveOnly);
        File.WriteAllText(Path.Combine(_work, "runbook.ps1"), Runbook);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public async Task OverlappingRunsOnOneJournalBillEveryImageOnceAndSaveEveryVideo(int processes)
    {
        // A submission takes a while, so that the runs really overlap while claims are held.
        await using var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions
        {
            QueuedFor = TimeSpan.FromMilliseconds(300), ProcessingFor = TimeSpan.FromMilliseconds(600), SubmitLatency = TimeSpan.FromSeconds(1),
        });

        var runs = Enumerable.Range(0, processes).Select(_ => Start("batch.ps1", fake)).ToList();
        var results = runs.Select(r => Finish(r)).ToList();

        Assert.All(results, r => Assert.Equal(new[] { $"SAVED {Images}" }, r.Lines));
        AssertEveryImageBilledOnce(fake);
        AssertEveryVideoSavedWhole(fake);
        AssertJournalIsWhole();
        _log.WriteLine($"{processes} runs: {fake.Submissions.Count} tasks for {Images} images, {fake.SubmitRequestCount} submit requests, {fake.VideoRequestCount} video downloads");
    }

    [Theory]
    [InlineData("while answers are pending")]
    [InlineData("in the middle of the batch")]
    [InlineData("while saving")]
    public async Task ARunKilledAtAnyPointThenRunAgainNeverBillsAnImageTwice(string when)
    {
        await using var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions
        {
            QueuedFor = TimeSpan.FromMilliseconds(200), ProcessingFor = TimeSpan.FromMilliseconds(300),
            SubmitLatency = TimeSpan.FromMilliseconds(100),
            // Tasks are created, then the answers wait: the kill comes in between.
            AnswerLatency = when == "while answers are pending" ? TimeSpan.FromSeconds(3) : TimeSpan.Zero,
            VideoBytesPerSecond = when == "while saving" ? 128 * 1024 : 0,
        });

        using (var run = Start("batch.ps1", fake))
        {
            Func<bool> killPoint = when switch
            {
                "while answers are pending" => () => fake.Submissions.Count >= 4,
                "in the middle of the batch" => () => fake.Submissions.Count >= Images / 2,
                _ => () => fake.VideoRequestCount >= 2,
            };
            WaitFor(killPoint, run, when);
            run.Kill();
        }
        int createdBeforeKill = fake.Submissions.Count;
        fake.Options.AnswerLatency = TimeSpan.Zero;
        fake.Options.VideoBytesPerSecond = 0;

        var rerun = Finish(Start("batch.ps1", fake));

        int saved = int.Parse(rerun.Lines.Single(l => l.StartsWith("SAVED ", StringComparison.Ordinal))[6..]);
        var errors = rerun.Lines.Where(l => l.StartsWith("ERROR ", StringComparison.Ordinal)).ToList();
        Assert.All(errors, e => Assert.Equal("ERROR HailuoSubmitOutcomeUnknown", e));
        Assert.Equal(Images, saved + errors.Count); // every image either saved or reported unknown
        if (when == "while answers are pending")
            Assert.NotEmpty(errors); // paid for, never heard of: reported, not resent
        // At most once each: an image killed in the middle of its submission is unknown, and may or
        // may not have been billed; a saved one was billed exactly once.
        Assert.All(fake.Submissions.GroupBy(s => s.ImageSha256), g => Assert.Single(g));
        Assert.InRange(fake.Submissions.Count, saved, Images);
        Assert.Equal(saved, Directory.GetFiles(Path.Combine(_work, "videos"), "*.mp4").Length);
        Assert.Empty(Directory.GetFiles(Path.Combine(_work, "videos"), "*.partial"));
        AssertJournalIsWhole();
        _log.WriteLine($"killed {when}: {createdBeforeKill} tasks before the kill, {fake.Submissions.Count} in all for {Images} images; rerun saved {saved}, {errors.Count} unknown");
    }

    [Fact]
    public async Task ARunbookKilledWhileSavingFinishesOnItsNextRunWithoutBillingAgain()
    {
        await using var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions
        {
            QueuedFor = TimeSpan.FromMilliseconds(200), ProcessingFor = TimeSpan.FromMilliseconds(300),
            VideoBytesPerSecond = 128 * 1024,
        });

        using (var run = StartRunbook(fake))
        {
            WaitFor(() => fake.VideoRequestCount >= 2, run, "while saving");
            run.Kill(); // the sandbox recycled, the job stopped
        }
        int billed = fake.Submissions.Count;
        fake.Options.VideoBytesPerSecond = 0;

        using var rerun = StartRunbook(fake);
        int exitCode = rerun.WaitForExit(TimeSpan.FromMinutes(3));
        _log.WriteLine(rerun.Output);

        Assert.True(exitCode == 0, rerun.Output);
        Assert.Contains($"SAVED {Images}", rerun.Output.Split('\n').Select(l => l.Trim()));
        Assert.Equal(Images, billed); // every image was answered before the kill
        AssertEveryImageBilledOnce(fake);
        AssertEveryVideoSavedWhole(fake);
        Assert.DoesNotContain('\u001b', rerun.Output); // no progress bars or colours in a redirected job log
    }

    [Fact]
    public async Task ARunbookKilledWithSubmissionsUnansweredStopsOnTheUnknownAndNeverResendsIt()
    {
        await using var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions
        {
            QueuedFor = TimeSpan.FromMilliseconds(200), ProcessingFor = TimeSpan.FromMilliseconds(300),
            AnswerLatency = TimeSpan.FromSeconds(3), // tasks are created, then the answers wait: the kill comes in between
        });

        using (var run = StartRunbook(fake))
        {
            WaitFor(() => fake.Submissions.Count >= 2, run, "while answers are pending");
            run.Kill();
        }
        fake.Options.AnswerLatency = TimeSpan.Zero;

        using var rerun = StartRunbook(fake);
        int exitCode = rerun.WaitForExit(TimeSpan.FromMinutes(3));
        _log.WriteLine(rerun.Output);

        // Under $ErrorActionPreference = 'Stop' the job ends at the first image whose submission
        // may or may not have created a task: paid for perhaps, never sent again without -Force.
        Assert.NotEqual(0, exitCode);
        // The job log shows PowerShell's concise view: the message of HailuoSubmitOutcomeUnknown,
        // wrapped behind a "|" gutter.
        string log = Regex.Replace(rerun.Output.Replace("\r", ""), @"\n\s*\|\s*", " ");
        Assert.Contains("may or may not have created a task", log);
        Assert.Contains("use -Force to submit it anyway", log);
        Assert.All(fake.Submissions.GroupBy(s => s.ImageSha256), g => Assert.Single(g));
        AssertJournalIsWhole();
    }

    // Every run submits work of its own (its own prompt), so only the cap, not the claims, stops
    // them: together they must submit exactly up to the cap, never one more.
    private const string Capped = """
        param([string] $Manifest, [string] $Run, [string] $Cap)
        Import-Module $Manifest
        $duration = if ([int] $Run % 2) { 10 } else { 6 }
        $capArguments = Invoke-Expression $Cap
        $made = @(Get-ChildItem ./photos | New-HailuoVideo -Prompt "capped run $Run" -Duration $duration -Journal ./hailuo.jsonl -ThrottleLimit 4 @capArguments)
        "SAVED $($made.Count)"
        foreach ($e in $Error) { "ERROR $($e.FullyQualifiedErrorId.Split(',')[0])" }
        """;

    [Theory]
    [InlineData(2, "-MaxVideos 7")]
    [InlineData(4, "-MaxVideos 7")]
    [InlineData(2, "-MaxVideoSeconds 50")]
    [InlineData(4, "-MaxVideoSeconds 50")]
    public async Task OverlappingRunsOnOneJournalTogetherSubmitExactlyUpToTheCap(int processes, string cap)
    {
        await using var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions
        {
            QueuedFor = TimeSpan.FromSeconds(5), ProcessingFor = TimeSpan.FromSeconds(5), SubmitLatency = TimeSpan.FromMilliseconds(300),
        });
        File.WriteAllText(Path.Combine(_work, "capped.ps1"), Capped);
        string splat = "@{ " + cap.TrimStart('-').Replace(" ", " = ") + " }";

        var runs = Enumerable.Range(0, processes).Select(run => StartWith("capped.ps1", fake, "-Run", run.ToString(), "-Cap", splat)).ToList();
        var results = runs.Select(r => Finish(r)).ToList();

        int made = results.Sum(r => int.Parse(r.Lines.Single(l => l.StartsWith("SAVED ", StringComparison.Ordinal))[6..]));
        var errors = results.SelectMany(r => r.Lines.Where(l => l.StartsWith("ERROR ", StringComparison.Ordinal))).ToList();
        Assert.All(errors, e => Assert.Equal("ERROR SpendingCapReached", e));
        Assert.Equal(processes * Images, made + errors.Count); // every item either submitted or refused by the cap
        Assert.Equal(made, fake.Submissions.Count);
        int limit = int.Parse(cap.Split(' ')[1]);
        if (cap.StartsWith("-MaxVideos", StringComparison.Ordinal))
        {
            Assert.Equal(limit, fake.Submissions.Count); // exactly: not one under, not one over
        }
        else
        {
            // Exactly: the seconds submitted stay within the cap, and no refused item would have fitted.
            int seconds = fake.Submissions.Sum(s => s.Duration);
            Assert.InRange(seconds, 0, limit);
            Assert.True(seconds + 6 > limit, $"{seconds} s submitted: a 6 s item still fitted under {limit}");
        }
        AssertJournalIsWhole();
        _log.WriteLine($"{processes} runs, {cap}: {fake.Submissions.Count} submitted ({fake.Submissions.Sum(s => s.Duration)} s), {errors.Count} refused by the cap");
    }

    private ChildProcess StartWith(string script, FakeHighwayServer fake, params string[] args) =>
        ChildProcess.StartPwshFile(Path.Combine(_work, script), _work, new Dictionary<string, string>
        {
            ["HIGHWAY_API_KEY"] = fake.Options.ApiKey,
            ["HIGHWAY_BASE_URI"] = fake.BaseUri.ToString(),
            ["HIGHWAY_RETRY_BASE_DELAY_MS"] = "10",
        }, new[] { "-Manifest", ChildProcess.ModuleManifest }.Concat(args).ToArray());

    private ChildProcess StartRunbook(FakeHighwayServer fake) =>
        ChildProcess.StartPwshFile(Path.Combine(_work, "runbook.ps1"), _work, new Dictionary<string, string>
        {
            ["RUNBOOK_KEY"] = fake.Options.ApiKey,
            ["RUNBOOK_URI"] = fake.BaseUri.ToString(),
            ["HIGHWAY_RETRY_BASE_DELAY_MS"] = "10",
        }, "-Manifest", ChildProcess.ModuleManifest);

    [Fact]
    public async Task OverlappingSavesOfTheSameTasksDownloadEachVideoOnceAndNeverConflict()
    {
        await using var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions
        {
            QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(200), VideoBytes = 128 * 1024,
        });
        File.WriteAllText(Path.Combine(_work, "submit.ps1"), """
            param([string] $Manifest)
            Import-Module $Manifest
            $null = Get-ChildItem ./photos | New-HailuoVideo -Prompt 'overlap' -Journal ./hailuo.jsonl | Wait-HailuoTask -PollInterval 0.2
            "SAVED 0"
            foreach ($e in $Error) { "ERROR $($e.FullyQualifiedErrorId.Split(',')[0])" }
            """);
        Assert.Equal(new[] { "SAVED 0" }, Finish(Start("submit.ps1", fake)).Lines);
        fake.Options.VideoBytesPerSecond = 512 * 1024; // a quarter of a second a video: the saves overlap

        var saves = new[] { Start("save.ps1", fake), Start("save.ps1", fake) };
        var results = saves.Select(s => Finish(s)).ToList();

        Assert.All(results, r => Assert.Equal(new[] { $"SAVED {Images}" }, r.Lines)); // no VideoFileExists, every file written out
        Assert.Equal(Images, fake.VideoRequestCount); // one downloaded each video, the other waited and took the file
        AssertEveryVideoSavedWhole(fake);
    }

    private ChildProcess Start(string script, FakeHighwayServer fake) =>
        ChildProcess.StartPwshFile(Path.Combine(_work, script), _work, new Dictionary<string, string>
        {
            ["HIGHWAY_API_KEY"] = fake.Options.ApiKey,
            ["HIGHWAY_BASE_URI"] = fake.BaseUri.ToString(),
            ["HIGHWAY_RETRY_BASE_DELAY_MS"] = "10",
        }, "-Manifest", ChildProcess.ModuleManifest);

    private (int ExitCode, List<string> Lines) Finish(ChildProcess run)
    {
        using (run)
        {
            int exitCode = run.WaitForExit(TimeSpan.FromMinutes(3));
            _log.WriteLine($"--- pwsh {run.Id} exited {exitCode}:\n{run.Output}");
            Assert.True(exitCode == 0, $"pwsh exited with {exitCode}:\n{run.Output}");
            // Only the summary lines: errors are also shown on stderr, in PowerShell's own words.
            var lines = run.Output.Split('\n').Select(l => l.TrimEnd()).Where(l => Regex.IsMatch(l, "^(SAVED|ERROR) ")).ToList();
            return (exitCode, lines);
        }
    }

    private static void WaitFor(Func<bool> condition, ChildProcess run, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The run never reached the kill point ({what}). Output:\n{run.Output}");
            Thread.Sleep(20);
        }
    }

    private static void AssertEveryImageBilledOnce(FakeHighwayServer fake)
    {
        var perImage = fake.Submissions.GroupBy(s => s.ImageSha256).ToList();
        Assert.All(perImage, g => Assert.Single(g));
        Assert.Equal(Images, perImage.Count);
    }

    private void AssertEveryVideoSavedWhole(FakeHighwayServer fake)
    {
        string videos = Path.Combine(_work, "videos");
        var files = Directory.GetFiles(videos, "*.mp4");
        Assert.Equal(Images, files.Length);
        foreach (var submission in fake.Submissions)
        {
            string file = Path.Combine(videos, _imageBySha[submission.ImageSha256!] + ".mp4");
            Assert.Equal(VideoContent.Expected(submission.TaskId!, fake.Options.VideoBytes), File.ReadAllBytes(file));
        }
        Assert.Empty(Directory.GetFiles(videos, "*.partial"));
    }

    private void AssertJournalIsWhole()
    {
        foreach (var line in File.ReadAllLines(Path.Combine(_work, "hailuo.jsonl")).Where(l => l.Length > 0))
            JsonDocument.Parse(line).Dispose();
    }
}
