// Several real pwsh processes on one journal in Azure Blob Storage (Azurite), against one FakeHighway,
// each process a "machine" of its own: its own working folder (its own copy of the photos, its own
// ./videos) and its own HOME, TMPDIR/TEMP/TMP and XDG folders, so nothing on disk is shared and only
// the blob journal and its claim leases can coordinate them. Overlapping runs, a run killed with
// SIGKILL then run again elsewhere, the storage account stopping in the middle of a run, and an
// Azure Automation runbook started again from the beginning in a fresh sandbox. In every test the
// SAS of the journal URL must never appear in anything the processes print.
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using FakeHighway;
using HighwayHailuo.Tests;
using HighwayHailuo.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace HighwayHailuo.PesterTests;

public sealed class BlobJournalRunsTests : IDisposable
{
    private const int Images = 12;
    private const string Container = "hailuo";
    private const string JournalBlob = "runs/batch.jsonl";

    // As the docs recommend: the journal URL, SAS and all, comes from an environment variable (an
    // Automation variable, a pipeline secret), never written into the script.
    private const string Batch = """
        param([string] $Manifest)
        Import-Module $Manifest
        $saved = @(Get-ChildItem ./photos | New-HailuoVideo -Prompt 'blob journal' -Journal $env:HAILUO_JOURNAL -Verbose -OutVariable made |
            Wait-HailuoTask -PollInterval 0.2 | Save-HailuoVideo -Destination ./videos -SkipExisting)
        "SAVED $($saved.Count)"
        "MADE $(@($made | ForEach-Object TaskId) -join ' ')"
        foreach ($e in $Error) { "ERROR $($e.FullyQualifiedErrorId.Split(',')[0])" }
        foreach ($e in $Error) { "ERRORTEXT $((@($e.ToString(), $e.TargetObject, $e.CategoryInfo, $e.ErrorDetails) -join ' | ') -replace '\s+', ' ')" }
        """;

    // The same, with the URL a parameter of the script (pwsh -File batch-param.ps1 -Journal <url>).
    private const string BatchParam = """
        param([string] $Manifest, [string] $Journal)
        Import-Module $Manifest
        $saved = @(Get-ChildItem ./photos | New-HailuoVideo -Prompt 'blob journal' -Journal $Journal -Verbose -OutVariable made |
            Wait-HailuoTask -PollInterval 0.2 | Save-HailuoVideo -Destination ./videos -SkipExisting)
        "SAVED $($saved.Count)"
        "MADE $(@($made | ForEach-Object TaskId) -join ' ')"
        foreach ($e in $Error) { "ERROR $($e.FullyQualifiedErrorId.Split(',')[0])" }
        foreach ($e in $Error) { "ERRORTEXT $((@($e.ToString(), $e.TargetObject, $e.CategoryInfo, $e.ErrorDetails) -join ' | ') -replace '\s+', ' ')" }
        """;

    // As an Azure Automation runbook runs it: no console, every error ends the job, the key from a
    // credential, the journal URL from an (encrypted) Automation variable.
    private const string Runbook = """
        param([string] $Manifest)
        $ErrorActionPreference = 'Stop'
        Import-Module $Manifest
        Connect-Highway -ApiKey ([pscredential]::new('runbook', (ConvertTo-SecureString $env:RUNBOOK_KEY -AsPlainText -Force))) -BaseUri $env:RUNBOOK_URI
        $saved = @(Get-ChildItem ./photos | New-HailuoVideo -Prompt 'runbook' -Journal $env:HAILUO_JOURNAL |
            Wait-HailuoTask -PollInterval 0.2 | Save-HailuoVideo -Destination ./videos -SkipExisting)
        "SAVED $($saved.Count)"
        """;

    // PowerShell's own echo of the failing statement in its error view ("   3 |  … New-HailuoVideo …").
    private static readonly Regex SourceEcho = new(@"^\s*\d+ \|", RegexOptions.Compiled);

    private readonly ITestOutputHelper _log;
    private readonly string _work = Directory.CreateTempSubdirectory("hailuo-blobruns-").FullName;
    private readonly string _photos;
    private readonly Dictionary<string, string> _imageBySha = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _journalUrls = new();
    private readonly List<RunResult> _results = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public BlobJournalRunsTests(ITestOutputHelper log)
    {
        _log = log;
        _photos = Path.Combine(_work, "originals");
        for (int i = 0; i < Images; i++)
        {
            var png = TestImages.Png(400, 320 + i);
            TestImages.Write(_photos, $"p{i:00}.png", png);
            _imageBySha[TestImages.Sha256(png)] = $"p{i:00}";
        }
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public async Task OverlappingMachinesOnOneBlobJournalBillEveryImageOnceAndEachSaveEveryVideo(int processes)
    {
        using var azurite = StartAzurite();
        string url = JournalUrl(azurite);
        // A submission takes a while, so that the runs really overlap while claims are held.
        await using var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions
        {
            QueuedFor = TimeSpan.FromMilliseconds(300), ProcessingFor = TimeSpan.FromMilliseconds(600), SubmitLatency = TimeSpan.FromSeconds(1),
        });

        var machines = Enumerable.Range(0, processes).Select(i => NewMachine($"m{i}")).ToList();
        var runs = machines.Select(m => (m, Start(m, "batch.ps1", fake, url))).ToList();
        var results = runs.Select(r => Finish(r.Item2, r.m)).ToList();

        Assert.All(results, r => Assert.Equal(new[] { $"SAVED {Images}" }, r.Summary));
        AssertEveryImageBilledOnce(fake);
        Assert.Equal(Images, fake.Submissions.Count);
        foreach (var machine in machines)
            AssertEveryVideoSavedWhole(fake, machine);
        var journal = ReadJournal(azurite);
        Assert.Equal(Images, journal.Count(r => r.State == "submitting"));
        Assert.Equal(fake.Submissions.Select(s => s.TaskId).Order(), journal.Where(r => r.State == "submitted").Select(r => r.TaskId).Order());
        AssertSasNeverShown();
        Summary($"{processes} overlapping machines", processes, fake);
    }

    [Fact]
    public async Task AMachineKilledMidBatchThenTheBatchRunOnAnotherMachineBillsNoImageTwice()
    {
        using var azurite = StartAzurite();
        string url = JournalUrl(azurite);
        await using var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions
        {
            QueuedFor = TimeSpan.FromMilliseconds(200), ProcessingFor = TimeSpan.FromMilliseconds(300),
            SubmitLatency = TimeSpan.FromMilliseconds(300),
            // Tasks are created, then the answers wait: the kill comes while one is paid for and unanswered.
            AnswerLatency = TimeSpan.FromSeconds(2),
        });

        var first = NewMachine("m0");
        using (var run = Start(first, "batch.ps1", fake, url))
        {
            WaitFor(() => fake.Submissions.Count >= Images / 2, run, "half the images submitted");
            run.Kill();
            Killed(run, first);
        }
        int createdBeforeKill = fake.Submissions.Count;
        fake.Options.AnswerLatency = TimeSpan.Zero;

        // Another machine, the URL passed as an argument this time; the dead machine's claims lapse
        // within 30 s, and until then their images are waited for, not sent.
        var second = NewMachine("m1");
        var rerunClock = Stopwatch.StartNew();
        var rerun = Finish(Start(second, "batch-param.ps1", fake, url, "-Journal", url), second, TimeSpan.FromMinutes(4));
        rerunClock.Stop();

        Assert.All(rerun.Errors, e => Assert.Equal("HailuoSubmitOutcomeUnknown", e));
        Assert.NotEmpty(rerun.Errors); // paid for when the machine died, never heard of: reported, not resent
        Assert.Equal(Images, rerun.Saved + rerun.Errors.Count); // every image either saved or reported unknown
        // The rerun met the dead machine's live claim and waited for it to lapse rather than calling it unknown at once.
        Assert.Contains("is being submitted by another process", rerun.Output);
        // At most once each: an image killed in the middle of its submission is unknown, and may or
        // may not have been billed; a saved one was billed exactly once.
        Assert.All(fake.Submissions.GroupBy(s => s.ImageSha256), g => Assert.Single(g));
        Assert.InRange(fake.Submissions.Count, rerun.Saved, Images);
        AssertSavedVideosWhole(fake, second, rerun.Saved);
        AssertSasNeverShown();
        _log.WriteLine($"killed after {createdBeforeKill} tasks; the rerun on another machine took {rerunClock.Elapsed.TotalSeconds:0.0} s (a dead claim lapses within 30 s)");
        Summary("killed mid-batch, rerun on another machine", 2, fake);
    }

    [Fact]
    public async Task StorageStoppedMidBatchStopsTheRunAndNothingIsBilledWithoutADurableClaim()
    {
        var azurite = StartAzurite();
        AzuriteServer? restarted = null;
        try
        {
            string url = JournalUrl(azurite);
            await using var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions
            {
                QueuedFor = TimeSpan.FromMilliseconds(300), ProcessingFor = TimeSpan.FromMilliseconds(600), SubmitLatency = TimeSpan.FromSeconds(1),
            });

            // The URL written into the script itself, as a user might: the module must not echo it.
            var first = NewMachine("m0");
            File.WriteAllText(Path.Combine(first.Root, "batch-literal.ps1"), Batch.Replace("$env:HAILUO_JOURNAL", "'" + url + "'"));
            RunResult stopped;
            byte[] beforeStop;
            bool graceful;
            Stopwatch storageGone = new();
            var run = Start(first, "batch-literal.ps1", fake, journalUrl: null);
            try
            {
                WaitFor(() => fake.Submissions.Count >= 3, run, "3 submissions");
                beforeStop = azurite.ReadBlob(Container, JournalBlob) ?? Array.Empty<byte>();
                int createdAtStop = fake.Submissions.Count;
                graceful = azurite.StopGracefully();
                storageGone = Stopwatch.StartNew();
                _log.WriteLine($"Azurite stopped at {_clock.Elapsed.TotalSeconds:0.0} s into the test, after {createdAtStop} tasks ({(graceful ? "SIGTERM, exited by itself" : "SIGTERM ignored, killed")}); its last words:\n{Tail(azurite.Output, 3)}");
            }
            catch
            {
                run.Dispose();
                throw;
            }
            stopped = Finish(run, first, TimeSpan.FromMinutes(3), literal: true, requireSuccess: false); // disposes the run
            storageGone.Stop();
            Assert.True(graceful, "Azurite did not exit within 10 s of SIGTERM:\n" + azurite.Output);
            _log.WriteLine($"the run ended {storageGone.Elapsed.TotalSeconds:0.0} s after the storage stopped; it wrote {stopped.Made.Count} of the {fake.Submissions.Count} paid tasks to the pipeline");

            Assert.Contains("JournalStorageUnreachable", stopped.Errors);
            Assert.All(stopped.Errors, e => Assert.Equal("JournalStorageUnreachable", e));
            Assert.All(fake.Submissions.GroupBy(s => s.ImageSha256), g => Assert.Single(g));
            int createdByFirst = fake.Submissions.Count;
            // A task already paid for is written to the pipeline even when its outcome could not be recorded.
            Assert.Equal(fake.Submissions.Select(t => t.TaskId).Order(), stopped.Made.Order());

            // The same data on a new port (so a new URL): nothing billed may lack its durable claim.
            restarted = azurite.Restart();
            byte[] afterRestart = restarted.ReadBlob(Container, JournalBlob)
                ?? throw new Xunit.Sdk.XunitException($"The journal blob is gone after a graceful stop and a restart of Azurite on {restarted.Location}: Azurite lost it.");
            Assert.True(afterRestart.AsSpan().StartsWith(beforeStop),
                $"Azurite lost journal data on a graceful stop: {beforeStop.Length} bytes were read before the stop, {afterRestart.Length} after the restart, and they differ.");
            var journal = ParseJournal(afterRestart);
            foreach (var submission in fake.Submissions)
                Assert.True(journal.Any(r => string.Equals(r.ImageSha256, submission.ImageSha256, StringComparison.OrdinalIgnoreCase)),
                    $"Task {submission.TaskId} ({_imageBySha[submission.ImageSha256!]}) was billed with no record of its image in the journal:\n{System.Text.Encoding.UTF8.GetString(afterRestart)}");
            foreach (var record in journal.Where(r => r.State == "submitted"))
                Assert.Contains(record.TaskId, fake.Submissions.Select(s => s.TaskId));
            int paidUnrecorded = fake.Submissions.Count(s => !journal.Any(r => r.State == "submitted" && r.TaskId == s.TaskId));
            _log.WriteLine($"after the restart: {journal.Count} records ({string.Join(", ", journal.GroupBy(r => r.State).Select(g => $"{g.Count()} {g.Key}"))}), "
                + $"{restarted.ListBlobs(Container, JournalBlob + ".claims/").Length} claim blobs; {paidUnrecorded} of {createdByFirst} tasks paid with no 'submitted' record");

            // Run again (on a fresh machine) against the restarted storage.
            string newUrl = JournalUrl(restarted);
            var second = NewMachine("m1");
            var rerun = Finish(Start(second, "batch.ps1", fake, newUrl), second, TimeSpan.FromMinutes(4));

            Assert.All(rerun.Errors, e => Assert.Equal("HailuoSubmitOutcomeUnknown", e));
            Assert.Equal(Images, rerun.Saved + rerun.Errors.Count);
            Assert.InRange(rerun.Errors.Count, 0, paidUnrecorded); // only the images paid while the storage was gone can be unknown
            Assert.All(fake.Submissions.GroupBy(s => s.ImageSha256), g => Assert.Single(g));
            AssertSavedVideosWhole(fake, second, rerun.Saved);
            AssertSasNeverShown();
            Summary("storage stopped mid-batch, restarted, rerun", 2, fake);
        }
        finally
        {
            restarted?.Dispose();
            azurite.Dispose();
        }
    }

    [Theory]
    [InlineData("run to completion")]
    [InlineData("killed while saving")]
    public async Task ARunbookStartedAgainInAFreshSandboxBillsNothingTwiceAndSavesEveryVideo(string firstRun)
    {
        using var azurite = StartAzurite();
        string url = JournalUrl(azurite);
        bool kill = firstRun == "killed while saving";
        await using var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions
        {
            QueuedFor = TimeSpan.FromMilliseconds(200), ProcessingFor = TimeSpan.FromMilliseconds(300),
            VideoBytesPerSecond = kill ? 128 * 1024 : 0,
        });

        var sandbox1 = NewMachine("sandbox1");
        if (kill)
        {
            using var run = StartRunbook(sandbox1, fake, url);
            // Saving starts once every image is answered and recorded: the kill comes while videos download.
            WaitFor(() => fake.VideoRequestCount >= 2 && ReadJournal(azurite).Count(r => r.State == "submitted") == Images, run, "while saving", poll: 100);
            run.Kill(); // the sandbox recycled, the job stopped
            Killed(run, sandbox1);
        }
        else
        {
            var done = Finish(StartRunbook(sandbox1, fake, url), sandbox1);
            Assert.Equal(Images, done.Saved);
        }
        int billed = fake.Submissions.Count;
        fake.Options.VideoBytesPerSecond = 0;

        // The job starts again from the beginning in a brand-new sandbox: new HOME and temp folder,
        // no videos, the photos fetched afresh. Only the blob journal remembers.
        var sandbox2 = NewMachine("sandbox2");
        var second = Finish(StartRunbook(sandbox2, fake, url), sandbox2);

        Assert.Equal(Images, second.Saved);
        Assert.Empty(second.Errors);
        Assert.Equal(Images, billed);
        Assert.Equal(billed, fake.Submissions.Count); // the second run billed nothing
        AssertEveryImageBilledOnce(fake);
        AssertEveryVideoSavedWhole(fake, sandbox2);
        Assert.DoesNotContain('\u001b', second.Output); // no progress bars or colours in a job log
        AssertSasNeverShown();
        Summary($"runbook {firstRun}, then again in a fresh sandbox", 2, fake);
    }

    // ---------------------------------------------------------------------------------------------

    private sealed record Machine(string Name, string Root)
    {
        public string Videos => Path.Combine(Root, "videos");
        public string Temp => Path.Combine(Root, "tmp");
    }

    private sealed record RunResult(Machine Machine, int ExitCode, string Output, List<string> Summary, int Saved, List<string> Errors, bool Literal)
    {
        /// <summary>The task ids New-HailuoVideo wrote to the pipeline (its -OutVariable), even when the call then stopped.</summary>
        public List<string> Made { get; init; } = new();
    }

    private sealed record Record(string State, string? TaskId, string? ImageSha256);

    private AzuriteServer StartAzurite()
    {
        var azurite = AzuriteServer.Start();
        azurite.CreateContainer(Container);
        return azurite;
    }

    private string JournalUrl(AzuriteServer azurite)
    {
        string url = azurite.ContainerSasUrl(Container, JournalBlob);
        _journalUrls.Add(url);
        return url;
    }

    // A machine of its own: nothing on disk shared with the others, not even the home or temp folder.
    private Machine NewMachine(string name)
    {
        var machine = new Machine(name, Path.Combine(_work, name));
        foreach (var folder in new[] { "photos", "home", "tmp", "xdg/data", "xdg/cache", "xdg/config" })
            Directory.CreateDirectory(Path.Combine(machine.Root, folder));
        foreach (var photo in Directory.GetFiles(_photos))
            File.Copy(photo, Path.Combine(machine.Root, "photos", Path.GetFileName(photo)));
        File.WriteAllText(Path.Combine(machine.Root, "batch.ps1"), Batch);
        File.WriteAllText(Path.Combine(machine.Root, "batch-param.ps1"), BatchParam);
        File.WriteAllText(Path.Combine(machine.Root, "runbook.ps1"), Runbook);
        return machine;
    }

    private static Dictionary<string, string> MachineEnvironment(Machine machine, string? journalUrl)
    {
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = Path.Combine(machine.Root, "home"),
            ["TMPDIR"] = machine.Temp,
            ["TEMP"] = machine.Temp,
            ["TMP"] = machine.Temp,
            ["XDG_DATA_HOME"] = Path.Combine(machine.Root, "xdg", "data"),
            ["XDG_CACHE_HOME"] = Path.Combine(machine.Root, "xdg", "cache"),
            ["XDG_CONFIG_HOME"] = Path.Combine(machine.Root, "xdg", "config"),
            ["HIGHWAY_RETRY_BASE_DELAY_MS"] = "10",
        };
        if (journalUrl != null)
            environment["HAILUO_JOURNAL"] = journalUrl;
        return environment;
    }

    private static ChildProcess Start(Machine machine, string script, FakeHighwayServer fake, string? journalUrl, params string[] args)
    {
        var environment = MachineEnvironment(machine, journalUrl);
        environment["HIGHWAY_API_KEY"] = fake.Options.ApiKey;
        environment["HIGHWAY_BASE_URI"] = fake.BaseUri.ToString();
        return ChildProcess.StartPwshFile(Path.Combine(machine.Root, script), machine.Root, environment,
            new[] { "-Manifest", ChildProcess.ModuleManifest }.Concat(args).ToArray());
    }

    private static ChildProcess StartRunbook(Machine machine, FakeHighwayServer fake, string journalUrl)
    {
        var environment = MachineEnvironment(machine, journalUrl);
        environment["RUNBOOK_KEY"] = fake.Options.ApiKey;
        environment["RUNBOOK_URI"] = fake.BaseUri.ToString();
        return ChildProcess.StartPwshFile(Path.Combine(machine.Root, "runbook.ps1"), machine.Root, environment, "-Manifest", ChildProcess.ModuleManifest);
    }

    private RunResult Finish(ChildProcess run, Machine machine, TimeSpan? timeout = null, bool literal = false, bool requireSuccess = true)
    {
        using (run)
        {
            var clock = Stopwatch.StartNew();
            int exitCode = run.WaitForExit(timeout ?? TimeSpan.FromMinutes(3));
            string output = run.Output;
            _log.WriteLine($"--- pwsh {run.Id} on {machine.Name} exited {exitCode} (waited {clock.Elapsed.TotalSeconds:0.0} s, at {_clock.Elapsed.TotalSeconds:0.0} s into the test):\n{Redacted(output)}");
            // Only the summary lines: errors are also shown on stderr, in PowerShell's own words.
            var summary = output.Split('\n').Select(l => l.TrimEnd()).Where(l => Regex.IsMatch(l, "^(SAVED|ERROR) ")).ToList();
            int saved = summary.Where(l => l.StartsWith("SAVED ", StringComparison.Ordinal)).Select(l => int.Parse(l[6..])).SingleOrDefault(-1);
            var errors = summary.Where(l => l.StartsWith("ERROR ", StringComparison.Ordinal)).Select(l => l[6..]).ToList();
            var made = output.Split('\n').Select(l => l.TrimEnd()).Where(l => l.StartsWith("MADE", StringComparison.Ordinal))
                .SelectMany(l => l[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
            var result = new RunResult(machine, exitCode, output, summary, saved, errors, literal) { Made = made };
            _results.Add(result);
            if (requireSuccess)
                Assert.True(exitCode == 0, $"pwsh exited with {exitCode}:\n{Redacted(output)}");
            Assert.True(saved >= 0 || !requireSuccess, $"The run printed no SAVED line:\n{Redacted(output)}");
            return result;
        }
    }

    private void Killed(ChildProcess run, Machine machine)
    {
        _log.WriteLine($"--- pwsh {run.Id} on {machine.Name} killed (SIGKILL) at {_clock.Elapsed.TotalSeconds:0.0} s into the test:\n{Redacted(run.Output)}");
        _results.Add(new RunResult(machine, -9, run.Output, new List<string>(), -1, new List<string>(), false));
    }

    private static void WaitFor(Func<bool> condition, ChildProcess run, string what, int poll = 20)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The run never reached the point '{what}'. Output:\n{run.Output}");
            Thread.Sleep(poll);
        }
    }

    private List<Record> ReadJournal(AzuriteServer azurite) =>
        ParseJournal(azurite.ReadBlob(Container, JournalBlob) ?? Array.Empty<byte>());

    // JSON lines: a header, then records. Every line is whole: the blob journal appends whole lines only.
    private static List<Record> ParseJournal(byte[] blob)
    {
        var records = new List<Record>();
        string text = System.Text.Encoding.UTF8.GetString(blob);
        if (text.Length == 0)
            return records;
        Assert.EndsWith("\n", text);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using (var header = JsonDocument.Parse(lines[0]))
            Assert.True(header.RootElement.TryGetProperty("highwayHailuoJournal", out _), "The journal blob does not start with its header: " + lines[0]);
        foreach (var line in lines.Skip(1))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            records.Add(new Record(root.GetProperty("state").GetString()!,
                root.TryGetProperty("taskId", out var id) ? id.GetString() : null,
                root.TryGetProperty("imageSha256", out var sha) ? sha.GetString() : null));
        }
        return records;
    }

    private static void AssertEveryImageBilledOnce(FakeHighwayServer fake)
    {
        var perImage = fake.Submissions.GroupBy(s => s.ImageSha256).ToList();
        Assert.All(perImage, g => Assert.Single(g));
        Assert.Equal(Images, perImage.Count);
    }

    private void AssertEveryVideoSavedWhole(FakeHighwayServer fake, Machine machine)
    {
        var files = Directory.GetFiles(machine.Videos, "*.mp4");
        Assert.True(Images == files.Length, $"{machine.Name} has {files.Length} videos, not {Images}.");
        foreach (var submission in fake.Submissions)
        {
            string file = Path.Combine(machine.Videos, _imageBySha[submission.ImageSha256!] + ".mp4");
            Assert.Equal(VideoContent.Expected(submission.TaskId!, fake.Options.VideoBytes), File.ReadAllBytes(file));
        }
        Assert.Empty(Directory.GetFiles(machine.Videos, "*.partial"));
    }

    // The run saved exactly `saved` videos, each the whole video of the one task of its image.
    private void AssertSavedVideosWhole(FakeHighwayServer fake, Machine machine, int saved)
    {
        var files = Directory.Exists(machine.Videos) ? Directory.GetFiles(machine.Videos, "*.mp4") : Array.Empty<string>();
        Assert.Equal(saved, files.Length);
        foreach (var file in files)
        {
            string image = Path.GetFileNameWithoutExtension(file);
            var submission = Assert.Single(fake.Submissions, s => _imageBySha[s.ImageSha256!] == image);
            Assert.Equal(VideoContent.Expected(submission.TaskId!, fake.Options.VideoBytes), File.ReadAllBytes(file));
        }
        if (Directory.Exists(machine.Videos))
            Assert.Empty(Directory.GetFiles(machine.Videos, "*.partial"));
    }

    // The SAS (the whole query, and its signature as written in the URL and decoded) is in nothing
    // any process printed: stdout and stderr, verbose lines, error messages, targets and categories.
    // Also checked with PowerShell's line wrapping undone, since a long URL is cut across lines. Where
    // the script itself holds the URL, PowerShell's error view echoes the failing statement's source
    // line: those lines are PowerShell's, not the module's, and are reported, not asserted on.
    private void AssertSasNeverShown()
    {
        foreach (var result in _results)
        {
            var lines = result.Output.Replace("\r", "").Split('\n');
            var echoes = result.Literal ? lines.Where(l => SourceEcho.IsMatch(l)).ToList() : new List<string>();
            var moduleLines = lines.Where(l => !echoes.Contains(l)).ToList();
            string module = string.Join("\n", moduleLines);
            string unwrapped = Regex.Replace(module, @"\n\s*(\|\s?)?", "");
            foreach (var url in _journalUrls)
            {
                foreach (var secret in Secrets(url))
                {
                    Assert.False(module.Contains(secret, StringComparison.Ordinal),
                        $"The SAS of the journal URL ({Describe(secret, url)}) was printed by pwsh on {result.Machine.Name}:\n{Redacted(result.Output)}");
                    Assert.False(unwrapped.Contains(secret, StringComparison.Ordinal),
                        $"The SAS of the journal URL ({Describe(secret, url)}) was printed, cut across lines, by pwsh on {result.Machine.Name}:\n{Redacted(result.Output)}");
                }
                if (echoes.Count > 0)
                {
                    bool echoed = Secrets(url).Any(s => string.Join("\n", echoes).Contains(s, StringComparison.Ordinal));
                    _log.WriteLine($"PowerShell's own echo of the failing statement (the URL is written in the script) on {result.Machine.Name}: "
                        + $"{(echoed ? "CONTAINS the SAS" : "does not contain the SAS (the source line is cut to the console width)")}:\n{Redacted(string.Join("\n", echoes))}");
                }
            }
            Assert.DoesNotMatch(new Regex(@"sig=[^<\s]"), module); // redacted as "?<SAS redacted>" or "sig=<redacted>", if at all
        }
    }

    private static IEnumerable<string> Secrets(string url)
    {
        string query = url[(url.IndexOf('?') + 1)..];
        string sig = Regex.Match(query, "(?:^|&)sig=([^&]+)").Groups[1].Value;
        Assert.NotEmpty(sig);
        return new[] { query, sig, Uri.UnescapeDataString(sig) };
    }

    private static string Describe(string secret, string url) =>
        secret == url[(url.IndexOf('?') + 1)..] ? "its whole query" : secret.Contains('%') ? "its sig= value as written in the URL" : "its signature";

    // Logs carry no signature either (test output ends up in CI logs).
    private string Redacted(string text)
    {
        foreach (var url in _journalUrls)
            foreach (var secret in Secrets(url))
                text = text.Replace(secret, "<SIG>", StringComparison.Ordinal);
        return text;
    }

    private static string Tail(string text, int lines) => string.Join("\n", text.Split('\n').TakeLast(lines));

    // One line per test with the figures: processes, tasks created, images, videos saved per machine, errors by ErrorId.
    private void Summary(string what, int processes, FakeHighwayServer fake)
    {
        var machines = _results.Select(r => r.Machine).DistinctBy(m => m.Name)
            .Select(m => $"{m.Name}={(Directory.Exists(m.Videos) ? Directory.GetFiles(m.Videos, "*.mp4").Length : 0)}");
        var errors = _results.SelectMany(r => r.Errors).GroupBy(e => e).Select(g => $"{g.Key} x{g.Count()}").ToList();
        _log.WriteLine($"SUMMARY {what}: {processes} processes, {fake.Submissions.Count} tasks created for {Images} images, "
            + $"videos saved per machine: {string.Join(", ", machines)}; errors: {(errors.Count == 0 ? "none" : string.Join(", ", errors))}; {_clock.Elapsed.TotalSeconds:0.0} s");
    }
}
