// -Journal: every submission is on disk before its task is written out, a rerun sends nothing
// already sent, Get-HailuoTask re-attaches, and a file that is not a journal is refused untouched.
using System.Text;
using System.Text.Json;
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class JournalTests
{
    private static async Task<(FakeHighwayServer, PowerShellSession)> StartAsync(int images, FakeHighwayOptions? options = null)
    {
        var fake = await FakeHighwayServer.StartAsync(options ?? new FakeHighwayOptions { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(200) });
        var session = new PowerShellSession(fake);
        for (int i = 0; i < images; i++)
            TestImages.Write(session.WorkDir, $"i{i}.png", TestImages.Png(400, 320 + i));
        return (fake, session);
    }

    private static List<JsonElement> Lines(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [Fact]
    public async Task EachTaskIsOnDiskBeforeItIsWrittenOutAndARerunSendsNothingAgain()
    {
        var (fake, session) = await StartAsync(3);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;

        // Each task, as it reaches the next command, must already be in the journal.
        var first = session.Run("""
            [IO.Directory]::GetFiles($PWD.Path, '*.png') | New-HailuoVideo -Prompt 'slow push in' -Journal run.jsonl |
                ForEach-Object { $_; [IO.File]::ReadAllText([IO.Path]::Combine($PWD.Path, 'run.jsonl')).Contains($_.TaskId) }
            """);
        first.ThrowIfFailed();
        Assert.Equal(3, first.Objects<HailuoTask>().Length);
        Assert.All(first.Objects<bool>(), Assert.True);

        var lines = Lines(Path.Combine(session.WorkDir, "run.jsonl"));
        Assert.Equal(2, lines[0].GetProperty("highwayHailuoJournal").GetInt32());
        var submitted = lines.Where(l => l.TryGetProperty("state", out var s) && s.GetString() == "submitted").ToList();
        Assert.Equal(3, submitted.Count);
        var one = submitted[0];
        Assert.Equal(64, one.GetProperty("imageSha256").GetString()!.Length);
        Assert.Equal("slow push in", one.GetProperty("prompt").GetString());
        Assert.Equal(6, one.GetProperty("duration").GetInt32());
        Assert.Equal("768P", one.GetProperty("resolution").GetString());
        Assert.True(one.TryGetProperty("time", out _));
        Assert.Equal(3, lines.Count(l => l.TryGetProperty("state", out var s) && s.GetString() == "submitting"));

        // The same command again: nothing sent, the recorded tasks come out and carry on to wait and save.
        var again = session.Run("""
            [IO.Directory]::GetFiles($PWD.Path, '*.png') | New-HailuoVideo -Prompt 'slow push in' -Journal run.jsonl -Verbose |
                Wait-HailuoTask -PollInterval 0.1 | Save-HailuoVideo videos
            """);
        again.ThrowIfFailed();
        Assert.Equal(3, fake.Submissions.Count);
        Assert.Equal(3, again.Objects<FileInfo>().Length);
        Assert.Equal(first.Objects<HailuoTask>().Select(t => t.TaskId).OrderBy(x => x), fake.Submissions.Select(s => s.TaskId).OrderBy(x => x));
        Assert.Equal(3, again.Verbose.Count(v => v.Contains("(journal); not sending it again", StringComparison.Ordinal)));

        // A different prompt is a different submission.
        session.Run("New-HailuoVideo i0.png -Prompt 'pull out' -Journal run.jsonl").ThrowIfFailed();
        Assert.Equal(4, fake.Submissions.Count);
        Invariants.Hold(fake, session, first, again);
    }

    [Fact]
    public async Task TheSameImageTwiceInOneRunIsSentOnce()
    {
        var (fake, session) = await StartAsync(1, new FakeHighwayOptions { SubmitLatency = TimeSpan.FromMilliseconds(300) });
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;
        File.Copy(Path.Combine(session.WorkDir, "i0.png"), Path.Combine(session.WorkDir, "copy.png"));

        var result = session.Run("'i0.png', 'copy.png', 'i0.png' | New-HailuoVideo -Prompt p -Journal run.jsonl -ThrottleLimit 4");

        result.ThrowIfFailed();
        Assert.Single(fake.Submissions);
        var tasks = result.Objects<HailuoTask>();
        Assert.Equal(3, tasks.Length);
        Assert.Single(tasks.Select(t => t.TaskId).Distinct());
    }

    [Fact]
    public async Task GetHailuoTaskReattachesToEveryTaskInAJournalAndWarnsOfUnknownOutcomes()
    {
        var (fake, session) = await StartAsync(3);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;
        session.Run("'i0.png', 'i1.png' | New-HailuoVideo -Prompt p -Journal run.jsonl").ThrowIfFailed();
        fake.Faults.Submit.Enqueue(Fault.DropAfterCreate());
        var unknown = session.Run("New-HailuoVideo i2.png -Prompt p -Journal run.jsonl");
        Assert.Equal("HailuoSubmitOutcomeUnknown,HighwayHailuo.Commands.NewHailuoVideoCommand", Assert.Single(unknown.Errors).FullyQualifiedErrorId);

        // A new session, as after a reboot: only the journal is left.
        using var later = new PowerShellSession(fake);
        File.Copy(Path.Combine(session.WorkDir, "run.jsonl"), Path.Combine(later.WorkDir, "run.jsonl"));
        var result = later.Run("Get-HailuoTask -Journal run.jsonl");

        result.ThrowIfFailed();
        var tasks = result.Objects<HailuoTask>();
        Assert.Equal(2, tasks.Length);
        Assert.All(tasks, t => Assert.EndsWith(".png", t.SourceImage));
        Assert.All(tasks, t => Assert.Equal("p", t.Prompt));
        Assert.Contains(result.Warnings, w => w.Contains("i2.png", StringComparison.Ordinal) && w.Contains("unknown outcome", StringComparison.Ordinal));

        // The unknown one is not sent again without -Force; with -Force it is.
        var refused = session.Run("New-HailuoVideo i2.png -Prompt p -Journal run.jsonl");
        Assert.Equal("HailuoSubmitOutcomeUnknown", Assert.Single(refused.Errors).ErrorId());
        Assert.Equal(3, fake.Submissions.Count);
        session.Run("New-HailuoVideo i2.png -Prompt p -Journal run.jsonl -Force").ThrowIfFailed();
        Assert.Equal(4, fake.Submissions.Count); // billed twice, by the user's explicit choice
    }

    [Theory]
    [InlineData("plain text\nnot json\n")]
    [InlineData("{\"some\":\"other json\"}\n")]
    [InlineData("{\"highwayHailuoJournal\":1}\nthis line is not a record\n{\"state\":\"submitted\"}\n")]
    public async Task AFileThatIsNotAJournalIsRefusedAndLeftUntouched(string content)
    {
        var (fake, session) = await StartAsync(1);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;
        string path = Path.Combine(session.WorkDir, "notes.txt");
        File.WriteAllText(path, content);

        var submit = session.Run("New-HailuoVideo i0.png -Prompt p -Journal notes.txt");
        var get = session.Run("Get-HailuoTask -Journal notes.txt");

        Assert.Equal("JournalInvalid", submit.Terminating?.ErrorId());
        Assert.Equal("JournalInvalid", get.Terminating?.ErrorId());
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidData, submit.Terminating!.CategoryInfo.Category);
        Assert.Equal(content, File.ReadAllText(path));
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task AJournalWhoseLastLineWasCutOffIsStillReadAndTheLineIsTrimmed()
    {
        var (fake, session) = await StartAsync(2);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;
        session.Run("New-HailuoVideo i0.png -Prompt p -Journal run.jsonl").ThrowIfFailed();
        string path = Path.Combine(session.WorkDir, "run.jsonl");
        File.AppendAllText(path, "{\"state\":\"submitting\",\"sourceIm"); // a crash in the middle of a write

        var get = session.Run("Get-HailuoTask -Journal run.jsonl");
        get.ThrowIfFailed();
        Assert.Single(get.Objects<HailuoTask>());
        Assert.Contains(get.Warnings, w => w.Contains("cut off", StringComparison.Ordinal));

        var more = session.Run("'i0.png', 'i1.png' | New-HailuoVideo -Prompt p -Journal run.jsonl");
        more.ThrowIfFailed();
        Assert.Equal(2, fake.Submissions.Count); // i0 came from the journal
        Assert.All(File.ReadAllLines(path).Where(l => l.Length > 0), l => JsonDocument.Parse(l).Dispose()); // every line whole again
    }

    [Fact]
    public async Task AMissingJournalForGetAndAnUnwritableOneForNewAreTerminatingAndSendNothing()
    {
        var (fake, session) = await StartAsync(1);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;

        var get = session.Run("Get-HailuoTask -Journal nothing-here.jsonl");
        var folder = session.Run("New-HailuoVideo i0.png -Prompt p -Journal no-such-folder/run.jsonl");

        Assert.Equal("JournalNotFound", get.Terminating?.ErrorId());
        Assert.Equal("JournalWriteFailed", folder.Terminating?.ErrorId());
        Assert.Empty(fake.Requests);
    }
}

public sealed class DownstreamFailureTests
{
    [Fact]
    public async Task ACommandFailingDownstreamWhileSubmissionsAreInFlightDoesNotCrashTheProcess()
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions { SubmitLatency = TimeSpan.FromMilliseconds(200) });
        var (fake, session) = rig;
        for (int i = 0; i < 6; i++)
            TestImages.Write(session.WorkDir, $"i{i}.png", TestImages.Png(400, 320 + i));

        var result = session.Run("[IO.Directory]::GetFiles($PWD.Path, '*.png') | New-HailuoVideo -Prompt p -Journal run.jsonl -ThrottleLimit 4 | ForEach-Object { $_; No-SuchCommand $_ }");
        // No wait here: a cmdlet's background work (the submissions in flight) has ended when its call has.

        Assert.NotNull(result.Terminating ?? result.Errors.FirstOrDefault());
        var again = session.Run("[IO.Directory]::GetFiles($PWD.Path, '*.png') | New-HailuoVideo -Prompt p -Journal run.jsonl");
        Assert.Equal(6, again.Objects<HailuoTask>().Length + again.Errors.Count);
    }
}
