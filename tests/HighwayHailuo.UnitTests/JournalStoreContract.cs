// One journal contract, two stores: every case here runs against the file store and against the
// blob store on Azurite (tests/Shared/Azurite.cs), through the same TaskJournal protocol. Each
// "user" is a separate TaskJournal over a separate store instance, as separate processes (or
// machines) would have, and the concurrent cases run them on separate threads.
using System.Collections.Concurrent;
using System.Text;
using HighwayHailuo.Costs;
using HighwayHailuo.Errors;
using HighwayHailuo.Journal;
using Xunit;

namespace HighwayHailuo.UnitTests;

public abstract class JournalStoreContract
{
    /// <summary>A new store on this test's journal, as another process would open it.</summary>
    private protected abstract IJournalStore NewStore();

    /// <summary>What the journal holds, read outside the module.</summary>
    protected abstract byte[] JournalBytes();

    /// <summary>Makes a held claim's holder die: it stops renewing (or its locks are dropped), without recording anything.</summary>
    private protected abstract void Die(IJournalStore holder, string identity);

    private TaskJournal NewUser(bool create = true) => TaskJournal.Open(NewStore(), create);

    internal static JournalRecord Image(string sha, int duration = 6) => new()
    {
        State = JournalState.Submitting, SourceImage = "/photos/" + sha + ".png", ImageSha256 = sha,
        Prompt = "p", Duration = duration, Resolution = "768P", PromptExpansion = true, Time = DateTimeOffset.UtcNow,
    };

    private string[] JournalLines() => Encoding.UTF8.GetString(JournalBytes()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void AJournalThatDoesNotExistIsNotFoundForAReaderAndCreatedByItsFirstRecord()
    {
        var missing = Assert.Throws<HailuoException>(() => NewUser(create: false));
        Assert.Equal(ErrorIds.JournalNotFound, missing.ErrorId);

        var writer = NewUser();
        Assert.Equal(ClaimKind.Claimed, writer.Claim(Image("aa"), false, out _, out _));
        writer.Append(Image("aa"));
        writer.Append(Image("aa").With(JournalState.Submitted, "task-1"));

        var reader = NewUser(create: false);
        Assert.Equal(new[] { JournalState.Submitting, JournalState.Submitted }, reader.Records.Select(r => r.State));
        Assert.Equal("task-1", reader.Records[1].TaskId);
        Assert.StartsWith("{\"highwayHailuoJournal\":2", JournalLines()[0]);
        Assert.Equal(3, JournalLines().Length);
    }

    [Fact]
    public void AClaimHeldByOneUserIsBusyForAnotherUntilItsOutcomeIsRecorded()
    {
        var first = NewUser();
        var second = NewUser();
        var image = Image("aa");

        Assert.Equal(ClaimKind.Claimed, first.Claim(image, false, out _, out _));
        Assert.Equal(ClaimAppend.Written, first.AppendClaim(image, null, out _));
        Assert.Equal(ClaimKind.BusyElsewhere, second.Claim(image, false, out _, out _));
        Assert.Equal(ClaimKind.Claimed, second.Claim(Image("bb"), false, out _, out _)); // other images are free
        second.Release(Image("bb"));

        first.Append(image.With(JournalState.Submitted, "task-1"));
        Assert.Equal(ClaimKind.Recorded, second.Claim(image, false, out var recorded, out _));
        Assert.Equal("task-1", recorded!.TaskId);
    }

    [Fact]
    public void AReleasedClaimIsFreeAndANothingSentOutcomeMayBeSentAgain()
    {
        var first = NewUser();
        var second = NewUser();

        Assert.Equal(ClaimKind.Claimed, first.Claim(Image("aa"), false, out _, out _));
        first.Release(Image("aa")); // nothing written: stopped before sending
        Assert.Equal(ClaimKind.Claimed, second.Claim(Image("aa"), false, out _, out _));
        second.AppendClaim(Image("aa"), null, out _);
        second.Append(Image("aa").With(JournalState.NotSubmitted, error: "400"));

        Assert.Equal(ClaimKind.Claimed, first.Claim(Image("aa"), false, out _, out _));
    }

    [Fact]
    public void AClaimWhoseHolderDiedReadsAsUnknownOnceItLapses()
    {
        var holder = NewUser();
        var other = NewUser();
        var image = Image("aa");
        Assert.Equal(ClaimKind.Claimed, holder.Claim(image, false, out _, out _));
        holder.AppendClaim(image, null, out _); // "submitting", then the process dies while sending

        Die(holder.Store, image.Identity);
        var died = DateTime.UtcNow;
        ClaimKind found;
        JournalRecord? recorded;
        while ((found = other.Claim(image, false, out recorded, out _)) == ClaimKind.BusyElsewhere)
        {
            Assert.True(DateTime.UtcNow - died < other.Store.DeadClaimDelay + TimeSpan.FromSeconds(5),
                $"the dead holder's claim was still held {(DateTime.UtcNow - died).TotalSeconds:0.0} s after it died");
            Thread.Sleep(250);
        }

        Assert.Equal(ClaimKind.Recorded, found); // not sent again: it may have been billed
        Assert.Equal(JournalState.Submitting, recorded!.State);
        Assert.Equal(ClaimKind.Claimed, other.Claim(image, resubmitUnknown: true, out _, out _)); // -Force
    }

    [Fact]
    public void AClaimThatLapsedWhileItsHolderStalledCannotSendWhatAnotherUserRecordedSince()
    {
        var stalled = NewUser();
        var other = NewUser();
        var image = Image("aa");
        Assert.Equal(ClaimKind.Claimed, stalled.Claim(image, false, out _, out _));
        stalled.Store.ReleaseClaim(image.Identity); // its claim lapsed (a lease not renewed in time)

        Assert.Equal(ClaimKind.Claimed, other.Claim(image, false, out _, out _));
        Assert.Equal(ClaimAppend.Written, other.AppendClaim(image, null, out _));

        Assert.Equal(ClaimAppend.Overtaken, stalled.AppendClaim(image, null, out _));
        stalled.Release(image);
        Assert.Single(NewUser(create: false).Records, r => r.State == JournalState.Submitting);
    }

    [Fact]
    public void WritersAppendingAtOnceLoseNoRecordAndNeverInterleave()
    {
        const int writers = 4, each = 15;
        var users = Enumerable.Range(0, writers).Select(_ => NewUser()).ToArray();

        Parallel.For(0, writers, new ParallelOptions { MaxDegreeOfParallelism = writers }, w =>
        {
            for (int i = 0; i < each; i++)
                users[w].Append(Image($"w{w}-{i}").With(JournalState.NotSubmitted, error: new string('x', 40 + i)));
        });

        var records = NewUser(create: false).Records;
        Assert.Equal(writers * each, records.Count);
        Assert.Equal(writers * each, records.Select(r => r.ImageSha256).Distinct().Count());
        Assert.Equal(writers * each + 1, JournalLines().Length); // the header, then whole lines only
    }

    [Fact]
    public void UsersClaimingTheSameImagesAtOnceSendEachImageOnce()
    {
        const int users = 4, images = 12;
        var sent = new ConcurrentBag<string>();
        var journals = Enumerable.Range(0, users).Select(_ => NewUser()).ToArray();

        Parallel.For(0, users, new ParallelOptions { MaxDegreeOfParallelism = users }, u =>
        {
            var order = Enumerable.Range(0, images).OrderBy(_ => Random.Shared.Next()).ToList();
            foreach (int i in order)
            {
                var image = Image($"img{i}");
                while (true)
                {
                    var found = journals[u].Claim(image, false, out _, out _);
                    if (found == ClaimKind.BusyElsewhere)
                    {
                        Thread.Sleep(20);
                        continue;
                    }
                    if (found == ClaimKind.Claimed)
                    {
                        if (journals[u].AppendClaim(image, null, out _) != ClaimAppend.Written)
                        {
                            journals[u].Release(image);
                            continue;
                        }
                        sent.Add(image.ImageSha256!); // the paid request
                        journals[u].Append(image.With(JournalState.Submitted, $"task-{i}-{u}"));
                    }
                    break;
                }
            }
        });

        Assert.Equal(images, sent.Count);
        Assert.Equal(images, sent.Distinct().Count());
        var records = NewUser(create: false).Records;
        Assert.Equal(images, records.Count(r => r.State == JournalState.Submitting));
        Assert.Equal(images, records.Count(r => r.State == JournalState.Submitted));
    }

    [Fact]
    public void TheSpendingCapHoldsAcrossUsersAppendingAtOnce()
    {
        const int users = 4;
        var cap = new SpendingCap(5, null);
        var journals = Enumerable.Range(0, users).Select(_ => NewUser()).ToArray();
        int written = 0;

        Parallel.For(0, users, new ParallelOptions { MaxDegreeOfParallelism = users }, u =>
        {
            for (int i = 0; i < 4; i++)
            {
                var image = Image($"u{u}-{i}");
                Assert.Equal(ClaimKind.Claimed, journals[u].Claim(image, false, out _, out _));
                if (journals[u].AppendClaim(image, cap, out _) == ClaimAppend.Written)
                {
                    Interlocked.Increment(ref written);
                    journals[u].Append(image.With(JournalState.Submitted, $"task-{u}-{i}"));
                }
                else
                {
                    journals[u].Release(image);
                }
            }
        });

        Assert.Equal(5, written);
        Assert.Equal(5L, NewUser(create: false).Spent.Videos);
    }
}

public sealed class FileJournalStoreContract : JournalStoreContract, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("hailuo-contract-").FullName;

    private string JournalPath => Path.Combine(_folder, "run.jsonl");

    private protected override IJournalStore NewStore() => new FileJournalStore(JournalPath);

    protected override byte[] JournalBytes() => File.ReadAllBytes(JournalPath);

    // The operating system drops a dead process's locks at once; in one process, that is giving them back.
    private protected override void Die(IJournalStore holder, string identity) => holder.ReleaseClaim(identity);

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
