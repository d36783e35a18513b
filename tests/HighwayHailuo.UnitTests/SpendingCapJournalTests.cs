// The cap's count with a journal, as two users of one journal see it (two instances, as two
// processes would have): the count is read under the append lock, so a place the other user took
// after this one last looked is still seen, and only a "not submitted" outcome gives a place back.
using HighwayHailuo.Costs;
using HighwayHailuo.Journal;
using Xunit;

namespace HighwayHailuo.UnitTests;

public sealed class SpendingCapJournalTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("hailuo-cap-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static JournalRecord Image(string sha, int duration = 6) => new()
    {
        State = JournalState.Submitting, SourceImage = "/photos/" + sha + ".png", ImageSha256 = sha,
        Prompt = "p", Duration = duration, Resolution = "768P", PromptExpansion = true, Time = DateTimeOffset.UtcNow,
    };

    [Fact]
    public void TheLastPlaceTakenByAnotherUserAfterThisOneLookedIsStillSeen()
    {
        string path = Path.Combine(_folder, "run.jsonl");
        var first = TaskJournal.Open(path, create: true);
        var second = TaskJournal.Open(path, create: true);
        var cap = new SpendingCap(1, null);

        // Both claim (each reads the journal: nothing counted yet), then the second takes the one place.
        Assert.Equal(ClaimKind.Claimed, first.Claim(Image("aa"), false, out _, out _));
        Assert.Equal(ClaimKind.Claimed, second.Claim(Image("bb"), false, out _, out _));
        Assert.True(second.TryAppendWithin(Image("bb"), cap, out _));

        Assert.False(first.TryAppendWithin(Image("aa"), cap, out var seen));
        Assert.Equal(1, seen.Videos);
        Assert.Equal(2, File.ReadAllLines(path).Length); // the header and the second's claim: nothing of the refused one
    }

    [Fact]
    public void ANewerWritersSubmissionStillCounts()
    {
        string path = Path.Combine(_folder, "run.jsonl");
        TaskJournal.Open(path, create: true).Append(Image("aa"));
        // A model this version does not know: the record cannot be matched, but it may have been billed.
        File.AppendAllText(path, "{\"state\":\"submitting\",\"model\":\"Hailuo-9\",\"prompt\":\"p\",\"duration\":10,\"resolution\":\"768P\"}\n");

        var spent = TaskJournal.Open(path, create: false).Spent;

        Assert.Equal((2L, 16L), (spent.Videos, spent.Seconds));
    }

    [Fact]
    public void ALastRecordReadWithoutItsNewlineIsCountedOnceWhenAnotherWriterEndsIt()
    {
        string path = Path.Combine(_folder, "run.jsonl");
        TaskJournal.Open(path, create: true).Append(Image("aa"));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^1]); // a crash before the newline: the record is whole

        var reader = TaskJournal.Open(path, create: false);
        TaskJournal.Open(path, create: false).Append(Image("bb")); // another writer ends that line, then appends

        Assert.Equal((2L, 12L), (reader.Spent.Videos, reader.Spent.Seconds));
    }

    [Fact]
    public void OnlyANothingSentOutcomeGivesItsPlaceBack()
    {
        string path = Path.Combine(_folder, "run.jsonl");
        var journal = TaskJournal.Open(path, create: true);
        var cap = new SpendingCap(null, 16);

        Assert.True(journal.TryAppendWithin(Image("aa", 10), cap, out _));
        journal.Append(Image("aa", 10).With(JournalState.NotSubmitted, error: "400"));
        Assert.True(journal.TryAppendWithin(Image("bb", 10), cap, out _));
        journal.Append(Image("bb", 10).With(JournalState.Unknown, error: "502"));
        Assert.True(journal.TryAppendWithin(Image("cc", 6), cap, out _)); // dies here: no outcome

        Assert.False(journal.TryAppendWithin(Image("dd", 6), cap, out var spent));
        Assert.Equal((2L, 16L), (spent.Videos, spent.Seconds));
        // A new reader of the same file counts the same.
        Assert.Equal((2L, 16L), (TaskJournal.Open(path, create: false).Spent.Videos, TaskJournal.Open(path, create: false).Spent.Seconds));
    }
}
