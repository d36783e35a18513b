// New-HailuoVideo -MaxVideos / -MaxVideoSeconds: nothing past the cap is sent, the refused items are
// named (SpendingCapReached) and counted, a submission counts once it may have been billed, and with
// a journal the cap is the journal's over every run. Overlapping processes: PesterTests'
// OverlappingRunsTests. Every submit fault of FakeHighway's catalogue meets the cap here.
using System.Management.Automation;
using System.Text.Json;
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class SpendingCapTests
{
    private static async Task<FakeRig> StartAsync(int images, FakeHighwayOptions? options = null)
    {
        var rig = await FakeRig.StartAsync(options ?? new FakeHighwayOptions { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(100) });
        for (int i = 0; i < images; i++)
            TestImages.Write(rig.Session.WorkDir, $"i{i}.png", TestImages.Png(400, 320 + i));
        return rig;
    }

    /// <summary>What the journal counts as possibly billed: every attempt begins "submitting", and only "not-submitted" ends one unbilled.</summary>
    private static (int Videos, int Seconds) JournalSpent(string path)
    {
        int videos = 0, seconds = 0;
        foreach (var line in File.ReadAllLines(path).Skip(1).Where(l => l.Length > 0))
        {
            using var doc = JsonDocument.Parse(line);
            string state = doc.RootElement.GetProperty("state").GetString()!;
            int duration = doc.RootElement.GetProperty("duration").GetInt32();
            int sign = state == "submitting" ? 1 : state == "not-submitted" ? -1 : 0;
            videos += sign;
            seconds += sign * duration;
        }
        return (videos, seconds);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task WithoutAJournalACallSendsNoMoreThanItsCapAndNamesEveryRefusedItem(int throttle)
    {
        await using var rig = await StartAsync(5);
        var (fake, session) = rig;

        var result = session.Run($"Get-ChildItem *.png | New-HailuoVideo -Prompt p -MaxVideos 3 -ThrottleLimit {throttle}");

        Assert.Null(result.Terminating);
        Assert.Equal(3, result.Objects<HailuoTask>().Length);
        Assert.Equal(3, fake.Submissions.Count);
        Assert.Equal(2, result.Errors.Count);
        Assert.All(result.Errors, e =>
        {
            Assert.Equal("SpendingCapReached", e.ErrorId());
            Assert.Equal(ErrorCategory.LimitsExceeded, e.CategoryInfo.Category);
            Assert.Contains("-MaxVideos 3", e.Exception.Message);
            Assert.Contains(".png", e.Exception.Message);
        });
        // Refused items are the ones never sent.
        var sent = fake.Submissions.Select(s => s.ImageSha256).ToHashSet();
        Assert.All(result.Errors, e => Assert.DoesNotContain(TestImages.Sha256OfFile(((string)e.TargetObject).Split("::").Last()), sent));
        Assert.Contains(result.Warnings, w => w.Contains("refused 2 items", StringComparison.Ordinal) && w.Contains("-MaxVideos 3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SecondsAreCountedPerVideoAndASmallerItemStillFitsAfterALargerOneIsRefused()
    {
        await using var rig = await StartAsync(3);
        var (fake, session) = rig;
        File.WriteAllText(Path.Combine(session.WorkDir, "rows.csv"), "Path,Prompt,Duration\ni0.png,a,10\ni1.png,b,10\ni2.png,c,6\n");

        var result = session.Run("Import-Csv rows.csv | New-HailuoVideo -MaxVideoSeconds 16 -ThrottleLimit 1");

        Assert.Equal(new[] { 10, 6 }, fake.Submissions.Select(s => s.Duration).ToArray());
        var refused = Assert.Single(result.Errors);
        Assert.Equal("SpendingCapReached", refused.ErrorId());
        Assert.Contains("i1.png", refused.Exception.Message);
        Assert.Contains("10 s", refused.Exception.Message);
    }

    [Fact]
    public async Task ARequestTheServerProvablyRefusedGivesItsPlaceBackButAnUnclearOneKeepsIt()
    {
        await using var rig = await StartAsync(4);
        var (fake, session) = rig;
        fake.Faults.Submit.Enqueue(Fault.Status(400));          // refused: nothing billed
        fake.Faults.Submit.Enqueue(Fault.StatusAfterCreate(502)); // unclear: may be billed

        var result = session.Run("Get-ChildItem *.png | New-HailuoVideo -Prompt p -MaxVideos 2 -ThrottleLimit 1");

        Assert.Equal(new[] { "HailuoRequestRejected", "HailuoSubmitOutcomeUnknown", "SpendingCapReached" }, result.Errors.Select(e => e.ErrorId()).ToArray());
        Assert.Single(result.Objects<HailuoTask>());
        Assert.Equal(2, fake.Submissions.Count); // the unclear one and the one that followed it
    }

    [Fact]
    public async Task WithAJournalTheCapCountsEveryRunThatUsedIt()
    {
        await using var rig = await StartAsync(5);
        var (fake, session) = rig;
        string journal = Path.Combine(session.WorkDir, "run.jsonl");

        // First run: three of five.
        var first = session.Run("Get-ChildItem *.png | New-HailuoVideo -Prompt p -Journal run.jsonl -MaxVideos 3");
        Assert.Equal(3, first.Objects<HailuoTask>().Length);
        Assert.Equal(2, first.Errors.Count(e => e.ErrorId() == "SpendingCapReached"));

        // The same run an hour later: the three come back from the journal, the rest are still refused.
        var again = session.Run("Get-ChildItem *.png | New-HailuoVideo -Prompt p -Journal run.jsonl -MaxVideos 3");
        Assert.Equal(3, again.Objects<HailuoTask>().Length);
        Assert.Equal(2, again.Errors.Count(e => e.ErrorId() == "SpendingCapReached"));
        Assert.Contains(again.Errors, e => e.Exception.Message.Contains("3 videos, 18 s of video, may already have been billed", StringComparison.Ordinal));

        // New work under the same journal is refused whole; a higher cap lets exactly the difference through.
        var other = session.Run("Get-ChildItem *.png | New-HailuoVideo -Prompt q -Journal run.jsonl -MaxVideos 3");
        Assert.Equal(5, other.Errors.Count(e => e.ErrorId() == "SpendingCapReached"));
        var raised = session.Run("Get-ChildItem *.png | New-HailuoVideo -Prompt q -Journal run.jsonl -MaxVideos 5");
        Assert.Equal(2, raised.Objects<HailuoTask>().Length);
        Assert.Equal(5, fake.Submissions.Count);
        Assert.Equal((5, 30), JournalSpent(journal));
        // The seconds cap reads the same journal.
        var seconds = session.Run("Get-ChildItem *.png | New-HailuoVideo -Prompt r -Journal run.jsonl -MaxVideoSeconds 36");
        Assert.Single(seconds.Objects<HailuoTask>());
        Assert.Equal(6, fake.Submissions.Count);
    }

    [Fact]
    public async Task ASubmissionAProcessDiedSendingCountsAgainstTheCap()
    {
        await using var rig = await StartAsync(2);
        var (fake, session) = rig;
        // A "submitting" record with no outcome: its process died mid-send, so it may have been billed.
        var dead = session.Run("New-HailuoVideo i0.png -Prompt p -Journal run.jsonl -MaxVideos 1");
        dead.ThrowIfFailed();
        var lines = File.ReadAllLines(Path.Combine(session.WorkDir, "run.jsonl")).ToList();
        File.WriteAllLines(Path.Combine(session.WorkDir, "run.jsonl"), lines.Take(lines.Count - 1)); // only the header and "submitting" remain

        var result = session.Run("New-HailuoVideo i1.png -Prompt p -Journal run.jsonl -MaxVideos 1");

        Assert.Equal("SpendingCapReached", Assert.Single(result.Errors).ErrorId());
        Assert.Single(fake.Submissions);
    }

    [Fact]
    public async Task WhatIfSaysWhatTheCapWouldRefuseAndCountsTheJournalAndSendsNothing()
    {
        await using var rig = await StartAsync(5);
        var (fake, session) = rig;
        session.Run("Get-ChildItem *.png | Select-Object -First 2 | New-HailuoVideo -Prompt p -Journal run.jsonl").ThrowIfFailed();

        var result = session.Run("Get-ChildItem *.png | New-HailuoVideo -Prompt p -Journal run.jsonl -MaxVideos 3 -WhatIf");

        Assert.Equal(2, fake.Submissions.Count);
        Assert.Empty(result.Errors);
        // Two are already in the journal (not sent again, so not counted twice), one fits, two would be refused.
        var refusals = result.Information.Where(i => i.StartsWith("What if: SpendingCapReached", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, refusals.Count);
        Assert.Equal(2, result.Information.Count(i => i.Contains("it would be written out, not sent again", StringComparison.Ordinal)));
        string summary = Assert.Single(result.Information, i => i.StartsWith("What if: ", StringComparison.Ordinal) && i.Contains("Nothing was sent", StringComparison.Ordinal));
        Assert.StartsWith("What if: 1 video, 6 s of video in total", summary); // the two the journal answers cost nothing
        Assert.Contains("2 items would be refused by the spending cap (-MaxVideos 3)", summary);

        // The same image twice in one call is sent once by a run, so -WhatIf counts it once.
        var twice = session.Run("'i4.png', 'i4.png' | New-HailuoVideo -Prompt other -Journal run.jsonl -WhatIf");
        Assert.Contains(twice.Information, i => i.Contains("the same submission as an earlier item; it would be sent once", StringComparison.Ordinal));
        Assert.Contains(twice.Information, i => i.StartsWith("What if: 1 video, 6 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ACapOfZeroSendsNothingAndANegativeCapIsRefusedByTheBinder()
    {
        await using var rig = await StartAsync(2);
        var (fake, session) = rig;

        var zero = session.Run("Get-ChildItem *.png | New-HailuoVideo -Prompt p -MaxVideoSeconds 0");
        var negative = session.Run("Get-ChildItem *.png | New-HailuoVideo -Prompt p -MaxVideos -1");

        Assert.Equal(2, zero.Errors.Count(e => e.ErrorId() == "SpendingCapReached"));
        Assert.Equal("ParameterArgumentValidationError", negative.Terminating?.ErrorId() ?? negative.Errors.Single().ErrorId());
        Assert.Empty(fake.Submissions);
    }

    /// <summary>Every FakeHighway fault a submission can meet.</summary>
    public static TheoryData<string> SubmitFaults()
    {
        var data = new TheoryData<string>();
        foreach (var mode in FaultModes.All.Where(m => m.Requests.Contains(RequestKind.Submit)))
            data.Add(mode.Name);
        return data;
    }

    // Whatever the server does to the first submission, the cap never lets more be billed than it
    // allows, counts everything that may have been billed, and refuses only once that count is full.
    [Theory]
    [MemberData(nameof(SubmitFaults))]
    public async Task UnderEverySubmitFaultTheCapCountsWhatMayHaveBeenBilledAndNoMore(string faultName)
    {
        await using var rig = await StartAsync(4);
        var (fake, session) = rig;
        var mode = FaultModes.All.Single(m => m.Name == faultName);
        for (int i = 0; i < mode.Times; i++)
            fake.Faults.Submit.Enqueue(mode.Make(fake.Options.ApiKey));
        const int cap = 2;

        var result = session.Run($"Get-ChildItem *.png | New-HailuoVideo -Prompt p -Journal run.jsonl -MaxVideos {cap} -ThrottleLimit 1 -TimeoutSec 1");

        var (counted, _) = JournalSpent(Path.Combine(session.WorkDir, "run.jsonl"));
        int refusedByCap = result.Errors.Count(e => e.ErrorId() == "SpendingCapReached");
        Assert.InRange(fake.Submissions.Count, 0, cap);          // never billed past the cap
        Assert.InRange(counted, fake.Submissions.Count, cap);    // everything the server made is counted
        if (refusedByCap > 0)
            Assert.Equal(cap, counted);                          // refused only once the count was full
        if (result.Terminating == null)
            Assert.Equal(4, counted + refusedByCap + result.Errors.Count(e => e.ErrorId() == "HailuoRequestRejected"));
    }
}
