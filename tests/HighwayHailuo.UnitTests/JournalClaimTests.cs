// The journal's claims as two users of one journal see them (two instances, as two runspaces or
// processes would have): a held claim is busy for the other, a recorded outcome is read by it.
using HighwayHailuo.Journal;
using Xunit;

namespace HighwayHailuo.UnitTests;

public sealed class JournalClaimTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("hailuo-claims-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static JournalRecord Image(string sha) => new()
    {
        State = JournalState.Submitting, SourceImage = "/photos/" + sha + ".png", ImageSha256 = sha,
        Prompt = "p", Duration = 6, Resolution = "768P", PromptExpansion = true, Time = DateTimeOffset.UtcNow,
    };

    [Fact]
    public void AClaimHeldByOneUserIsBusyForAnotherUntilItsOutcomeIsRecorded()
    {
        string path = Path.Combine(_folder, "run.jsonl");
        var first = TaskJournal.Open(path, create: true);
        var second = TaskJournal.Open(path, create: true);
        var image = Image("aa");

        Assert.Equal(ClaimKind.Claimed, first.Claim(image, false, out _, out _));
        first.Append(image);
        Assert.Equal(ClaimKind.BusyElsewhere, second.Claim(image, false, out _, out _));
        Assert.Equal(ClaimKind.Claimed, second.Claim(Image("bb"), false, out _, out _)); // other images are free

        first.Append(image.With(JournalState.Submitted, "task-1"));
        Assert.Equal(ClaimKind.Recorded, second.Claim(image, false, out var recorded, out _));
        Assert.Equal("task-1", recorded!.TaskId);
    }

    [Fact]
    public void ANothingSentOutcomeLetsTheOtherUserSubmitItAndAReleaseFreesTheClaim()
    {
        string path = Path.Combine(_folder, "run.jsonl");
        var first = TaskJournal.Open(path, create: true);
        var second = TaskJournal.Open(path, create: true);
        var refused = Image("cc");
        var released = Image("dd");

        Assert.Equal(ClaimKind.Claimed, first.Claim(refused, false, out _, out _));
        first.Append(refused);
        first.Append(refused.With(JournalState.NotSubmitted, error: "429"));
        Assert.Equal(ClaimKind.Claimed, first.Claim(released, false, out _, out _));
        first.Release(released);

        Assert.Equal(ClaimKind.Claimed, second.Claim(refused, false, out _, out _));
        Assert.Equal(ClaimKind.Claimed, second.Claim(released, false, out _, out _));
    }

    [Fact]
    public void AppendsFromTwoUsersInterleaveAsWholeLinesAndEachReadsTheOthers()
    {
        string path = Path.Combine(_folder, "run.jsonl");
        var first = TaskJournal.Open(path, create: true);
        var second = TaskJournal.Open(path, create: true);

        Parallel.For(0, 200, i =>
        {
            var journal = i % 2 == 0 ? first : second;
            var image = Image("img" + i);
            Assert.Equal(ClaimKind.Claimed, journal.Claim(image, false, out _, out _));
            journal.Append(image.With(JournalState.Submitted, "task-" + i));
        });

        var reread = TaskJournal.Open(path, create: false);
        Assert.Equal(200, reread.Records.Count);
        Assert.Equal(200, reread.Records.Select(r => r.TaskId).Distinct().Count());
        Assert.Equal(ClaimKind.Recorded, first.Claim(Image("img1"), false, out var fromSecond, out _));
        Assert.Equal("task-1", fromSecond!.TaskId);
    }

    [Fact]
    public void ARecordWrittenBeforeModelsExistedIsHailuo23AndMatchesOnlyIt()
    {
        string path = Path.Combine(_folder, "old.jsonl");
        // A version 1 journal as the module wrote it before models: no model, no last frame.
        File.WriteAllText(path, "{\"highwayHailuoJournal\":1}\n"
            + "{\"state\":\"submitted\",\"taskId\":\"task-old\",\"sourceImage\":\"/p/a.png\",\"imageSha256\":\"aa\",\"prompt\":\"p\",\"duration\":6,\"resolution\":\"768P\",\"promptExpansion\":true,\"fastPretreatment\":false,\"time\":\"2026-11-30T10:00:00.0000000Z\"}\n"
            + "{\"state\":\"submitted\",\"taskId\":\"task-future\",\"model\":\"Hailuo-9\",\"sourceImage\":\"/p/a.png\",\"imageSha256\":\"aa\",\"prompt\":\"p\",\"duration\":6,\"resolution\":\"768P\",\"promptExpansion\":true,\"fastPretreatment\":false,\"time\":\"2026-11-30T10:00:00.0000000Z\"}\n");
        var journal = TaskJournal.Open(path, create: false);

        var old = Assert.Single(journal.Records); // a model this build does not know is a newer writer's: skipped
        Assert.Equal("Hailuo-2.3", old.Model);
        Assert.Equal("Hailuo-2.3", old.ToTask().Model);
        Assert.Equal(ClaimKind.Recorded, journal.Claim(Image("aa"), false, out var recorded, out _));
        Assert.Equal("task-old", recorded!.TaskId);
        var fast = Image("aa");
        fast.Model = "Hailuo-2.3-Fast";
        var ending = Image("aa");
        ending.Model = "Hailuo-02";
        ending.LastFrame = "/p/z.png";
        ending.LastFrameSha256 = "zz";
        var text = Image("aa");
        text.SourceImage = null;
        text.ImageSha256 = null;
        Assert.Equal(4, new[] { Image("aa"), fast, ending, text }.Select(r => r.Identity).Distinct().Count());
        Assert.Equal(ClaimKind.Claimed, journal.Claim(fast, false, out _, out _));
        journal.Release(fast);
    }

    [Theory]
    [InlineData(true)]   // found when the journal is opened
    [InlineData(false)]  // written by another process after it was opened
    public void AWholeLastRecordThatLacksItsNewlineIsKeptAndEnded(bool beforeOpen)
    {
        string path = Path.Combine(_folder, "run.jsonl");
        var paid = Image("ee").With(JournalState.Submitted, "task-paid");
        byte[] line = paid.ToJsonLine();
        string header = "{\"highwayHailuoJournal\":1}\n";
        File.WriteAllText(path, beforeOpen ? header : "");
        if (beforeOpen)
            File.AppendAllText(path, System.Text.Encoding.UTF8.GetString(line, 0, line.Length - 1)); // a writer died before its newline
        var journal = TaskJournal.Open(path, create: true);
        if (!beforeOpen)
            File.WriteAllText(path, header + System.Text.Encoding.UTF8.GetString(line, 0, line.Length - 1));

        var other = Image("ff");
        Assert.Equal(ClaimKind.Claimed, journal.Claim(other, false, out _, out _));
        journal.Append(other);

        var lines = File.ReadAllLines(path);
        Assert.Equal(3, lines.Length);
        Assert.Contains("task-paid", lines[1]);
        Assert.Equal(ClaimKind.Recorded, journal.Claim(Image("ee"), false, out var recorded, out _));
        Assert.Equal("task-paid", recorded!.TaskId);
        Assert.Single(TaskJournal.Open(path, create: false).Records, r => r.TaskId == "task-paid");
    }

    [Fact]
    public async Task AnotherProgramHoldingTheFileForAMomentIsWaitedOutButNotForever()
    {
        string path = Path.Combine(_folder, "run.jsonl");
        var journal = TaskJournal.Open(path, create: true);
        journal.Append(Image("aa"));

        // A virus scanner or backup holding the file without sharing: .NET reports it as a sharing
        // violation on every platform (on Unix through its emulation of FileShare.None).
        int conflicts = 0;
        var met = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ((FileJournalStore)journal.Store).SharingConflictMet = _ => { Interlocked.Increment(ref conflicts); met.TrySetResult(); };
        var holder = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
        var append = Task.Run(() => journal.Append(Image("bb")));
        // The append has met the held file and is waiting it out (a signal, not a guess at timing).
        await met.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(append.IsCompleted);
        holder.Dispose();
        await append.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(3, File.ReadAllLines(path).Length); // header and both records

        conflicts = 0;
        using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None))
        {
            var error = Assert.Throws<HighwayHailuo.Errors.HailuoException>(() => journal.Append(Image("cc")));
            Assert.Equal("JournalWriteFailed", error.ErrorId);
            Assert.True(conflicts > 1, $"tried {conflicts} time(s) before giving up"); // it kept trying, then gave up
        }
    }

    [Theory]
    [InlineData(28, true, false)]                              // ENOSPC
    [InlineData(unchecked((int)0x80070070), true, false)]      // ERROR_DISK_FULL
    [InlineData(unchecked((int)0x80070020), false, true)]      // ERROR_SHARING_VIOLATION
    [InlineData(unchecked((int)0x80070021), false, true)]      // ERROR_LOCK_VIOLATION
    [InlineData(11, false, true)]                              // EWOULDBLOCK, Linux
    [InlineData(unchecked((int)0x80070005), false, false)]     // access denied
    public void AFullDiskIsToldFromASharingConflict(int hresult, bool diskFull, bool sharing)
    {
        var error = new IOException("x", hresult);
        Assert.Equal(diskFull, HighwayHailuo.Errors.IoFailure.IsDiskFull(error));
        Assert.Equal(sharing, HighwayHailuo.Errors.IoFailure.IsSharingConflict(error));
    }
}
