// The blob store on Azurite: the journal contract (JournalStoreContract) on an append blob, and
// what only a blob journal has: its URL and SAS checked before any request, the storage account's
// refusals as ErrorIds, and the SAS kept out of every message and of the journal itself.
using System.Text;
using HighwayHailuo.Api;
using HighwayHailuo.Errors;
using HighwayHailuo.Journal;
using HighwayHailuo.Storage;
using HighwayHailuo.TestSupport;
using Xunit;

namespace HighwayHailuo.UnitTests;

/// <summary>One Azurite for a test class, stopped by its own id when the class is done.</summary>
public sealed class AzuriteFixture : IDisposable
{
    public AzuriteFixture()
    {
        Server = AzuriteServer.Start();
        Server.CreateContainer(Container);
    }

    public const string Container = "journals";

    public AzuriteServer Server { get; }

    public void Dispose() => Server.Dispose();
}

public sealed class BlobJournalStoreContract : JournalStoreContract, IClassFixture<AzuriteFixture>
{
    private readonly AzuriteFixture _azurite;
    private readonly string _blob = "runs/" + Guid.NewGuid().ToString("N") + ".jsonl";

    public BlobJournalStoreContract(AzuriteFixture azurite) => _azurite = azurite;

    private protected override IJournalStore NewStore() =>
        JournalStores.For(_azurite.Server.ContainerSasUrl(AzuriteFixture.Container, _blob), _ => throw new InvalidOperationException("not a file"), writes: true, out _);

    protected override byte[] JournalBytes() => _azurite.Server.ReadBlob(AzuriteFixture.Container, _blob) ?? [];

    // A killed process neither renews its leases nor gives them back: they lapse by themselves.
    private protected override void Die(IJournalStore holder, string identity) => ((BlobJournalStore)holder).Abandon();
}

public sealed class BlobJournalStoreTests : IClassFixture<AzuriteFixture>
{
    private readonly AzuriteFixture _azurite;
    private readonly string _blob = "runs/" + Guid.NewGuid().ToString("N") + ".jsonl";

    public BlobJournalStoreTests(AzuriteFixture azurite) => _azurite = azurite;

    private static string NotAFile(string path) => throw new InvalidOperationException("a blob URL was taken for a file: " + path);

    private static IJournalStore Store(string url, bool writes = true) => JournalStores.For(url, NotAFile, writes, out _);

    private static string Signature(string url) => Uri.UnescapeDataString(url.Split("sig=")[1].Split('&')[0]);

    // Nothing listens on port 9: a check that sent a request would fail as unreachable instead.
    private const string Nowhere = "http://127.0.0.1:9/devstoreaccount1/journals/run.jsonl";

    public static TheoryData<string, string, bool, string> LocalProblems() => new()
    {
        { "no SAS at all", Nowhere, true, ErrorIds.JournalUrlInvalid },
        { "a blob SAS (sr=b)", Nowhere + "?sv=2021-08-06&se=2099-01-01T00%3A00%3A00Z&sr=b&sp=racw&sig=c2lnbmF0dXJl", true, ErrorIds.JournalUrlInvalid },
        { "plain http to another machine", "http://example.blob.core.windows.net/journals/run.jsonl?sv=2021-08-06&se=2099-01-01T00%3A00%3A00Z&sr=c&sp=racw&sig=c2lnbmF0dXJl", true, ErrorIds.JournalUrlInvalid },
        { "a container without a blob", "http://127.0.0.1:9/journals?sv=2021-08-06&se=2099-01-01T00%3A00%3A00Z&sr=c&sp=racw&sig=c2lnbmF0dXJl", true, ErrorIds.JournalUrlInvalid },
        { "read only, to write", Nowhere + "?sv=2021-08-06&se=2099-01-01T00%3A00%3A00Z&sr=c&sp=r&sig=c2lnbmF0dXJl", true, ErrorIds.JournalSasPermissionMissing },
        { "add and create, no write (no leases)", Nowhere + "?sv=2021-08-06&se=2099-01-01T00%3A00%3A00Z&sr=c&sp=rac&sig=c2lnbmF0dXJl", true, ErrorIds.JournalSasPermissionMissing },
        { "write, no read", Nowhere + "?sv=2021-08-06&se=2099-01-01T00%3A00%3A00Z&sr=c&sp=acw&sig=c2lnbmF0dXJl", false, ErrorIds.JournalSasPermissionMissing },
        { "an account SAS without objects", Nowhere + "?sv=2021-08-06&ss=b&srt=sc&se=2099-01-01T00%3A00%3A00Z&sp=racw&sig=c2lnbmF0dXJl", true, ErrorIds.JournalSasPermissionMissing },
        { "expired", Nowhere + "?sv=2021-08-06&se=2020-01-01T00%3A00%3A00Z&sr=c&sp=racw&sig=c2lnbmF0dXJl", true, ErrorIds.JournalSasExpired },
        { "not valid yet", Nowhere + "?sv=2021-08-06&st=2098-01-01T00%3A00%3A00Z&se=2099-01-01T00%3A00%3A00Z&sr=c&sp=racw&sig=c2lnbmF0dXJl", true, ErrorIds.JournalSasExpired },
        { "an expiry that is not a time", Nowhere + "?sv=2021-08-06&se=soon&sr=c&sp=racw&sig=c2lnbmF0dXJl", true, ErrorIds.JournalUrlInvalid },
    };

    [Theory]
    [MemberData(nameof(LocalProblems))]
    public void AUrlOrSasThatCannotWorkIsRefusedBeforeAnyRequest(string why, string url, bool writes, string errorId)
    {
        var refused = Assert.Throws<HailuoException>(() => TaskJournal.Open(Store(url, writes), create: writes));

        Assert.True(errorId == refused.ErrorId, $"{why}: {refused.ErrorId}: {refused.Message}");
        Assert.Equal(ErrorIds.CategoryOf(errorId), refused.Category);
        Assert.DoesNotContain("c2lnbmF0dXJl", refused.ToString());
        Assert.DoesNotContain("sig=", refused.ToString());
    }

    [Fact]
    public void AReadOnlySasIsEnoughToReadAJournal()
    {
        var writer = TaskJournal.Open(Store(_azurite.Server.ContainerSasUrl(AzuriteFixture.Container, _blob)), create: true);
        writer.Append(JournalStoreContract.Image("aa").With(JournalState.Submitted, "task-1"));

        var reader = TaskJournal.Open(Store(_azurite.Server.ContainerSasUrl(AzuriteFixture.Container, _blob, "r"), writes: false), create: false);

        Assert.Equal("task-1", Assert.Single(reader.Records).TaskId);
    }

    [Fact]
    public void TheStorageAccountsRefusalsAreErrorIdsThatSayWhatToFixAndNeverShowTheSas()
    {
        string good = _azurite.Server.ContainerSasUrl(AzuriteFixture.Container, _blob);
        string tampered = good.Replace("sig=", "sig=AAAA");
        string noContainer = _azurite.Server.ContainerSasUrl("missing-container", _blob);
        string unreachable = good.Replace($":{_azurite.Server.Port}/", ":9/");

        var cases = new[]
        {
            (Url: tampered, ErrorId: ErrorIds.JournalSasRejected),
            (Url: noContainer, ErrorId: ErrorIds.JournalContainerNotFound),
            (Url: unreachable, ErrorId: ErrorIds.JournalStorageUnreachable),
        };
        foreach (var (url, errorId) in cases)
        {
            var refused = Assert.Throws<HailuoException>(() => TaskJournal.Open(Store(url), create: true));
            Assert.True(errorId == refused.ErrorId, $"{errorId} expected: {refused.ErrorId}: {refused.Message}");
            Assert.Equal(ErrorIds.CategoryOf(errorId), refused.Category);
            Assert.DoesNotContain(Signature(url), refused.ToString());
            Assert.DoesNotContain("sig=", refused.ToString());
            Assert.Contains("/journals/" + _blob, refused.Message.Replace("missing-container", "journals")); // names the blob, without its SAS
        }
    }

    [Fact]
    public void ABlobThatIsNotAnAppendBlobIsNotAJournal()
    {
        string url = _azurite.Server.ContainerSasUrl(AzuriteFixture.Container, _blob);
        using (var put = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"highwayHailuoJournal\":2}\n")) })
        {
            put.Headers.Add("x-ms-blob-type", "BlockBlob");
            put.Headers.Add("x-ms-version", BlobClient.ApiVersion);
            using var answer = HttpClients.Storage.Send(put);
            Assert.Equal(201, (int)answer.StatusCode);
        }

        var refused = Assert.Throws<HailuoException>(() => TaskJournal.Open(Store(url), create: true));

        Assert.Equal(ErrorIds.JournalInvalid, refused.ErrorId);
        Assert.Contains("BlockBlob", refused.Message);
    }

    [Fact]
    public void TheSasIsNeverWrittenIntoTheJournalOrItsClaims()
    {
        string url = _azurite.Server.ContainerSasUrl(AzuriteFixture.Container, _blob);
        var journal = TaskJournal.Open(Store(url), create: true);
        var image = JournalStoreContract.Image("aa");
        Assert.Equal(ClaimKind.Claimed, journal.Claim(image, false, out _, out _));
        journal.AppendClaim(image, null, out _);
        journal.Append(image.With(JournalState.Submitted, "task-1"));

        string written = Encoding.UTF8.GetString(_azurite.Server.ReadBlob(AzuriteFixture.Container, _blob)!);
        var blobs = _azurite.Server.ListBlobs(AzuriteFixture.Container, _blob);

        Assert.DoesNotContain(Signature(url), written);
        Assert.DoesNotContain("sig", written);
        Assert.Equal(2, blobs.Length); // the journal and one claim blob beside it
        Assert.Matches("^" + System.Text.RegularExpressions.Regex.Escape(_blob) + @"\.claims/[0-9a-f]{64}$", blobs.Single(b => b != _blob));
        Assert.Equal(journal.Path, url.Split('?')[0]);
    }

    [Fact]
    public void NewClaimsStopBeforeTheBlobIsFullSoTheOutcomesInFlightStillFit()
    {
        string url = _azurite.Server.ContainerSasUrl(AzuriteFixture.Container, _blob);
        var store = (BlobJournalStore)Store(url);
        store.BlockLimit = BlobJournalStore.OutcomeReserve + 3; // three claims' worth of room before the reserve
        var journal = TaskJournal.Open(store, create: true);
        for (int i = 0; i < 3; i++)
        {
            var image = JournalStoreContract.Image("img" + i);
            Assert.Equal(ClaimKind.Claimed, journal.Claim(image, false, out _, out _));
            journal.AppendClaim(image, null, out _);
        }

        var full = Assert.Throws<HailuoException>(() => journal.Claim(JournalStoreContract.Image("img3"), false, out _, out _));

        Assert.Equal(ErrorIds.JournalFull, full.ErrorId);
        Assert.True(ErrorIds.MeansJournalUnusable(full.ErrorId));
        journal.Append(JournalStoreContract.Image("img0").With(JournalState.Submitted, "task-0")); // an outcome still fits
        Assert.Equal(4, TaskJournal.Open(Store(url), create: false).Records.Count);
    }

    [Fact]
    public void TheServicesOwnFullAnswerIsJournalFull()
    {
        var answer = new BlobAnswer(409, "BlockCountExceedsLimit", "The committed block count cannot exceed the maximum limit of 50,000 blocks.", null, [], new());

        var full = BlobClient.Refusal("Append Block", BlobAddress.Parse(Nowhere + "?sig=x"), answer, DateTimeOffset.UtcNow);

        Assert.Equal(ErrorIds.JournalFull, full.ErrorId);
    }

    // An append whose answer never came: applied or not, the journal ends up with the record once.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AnAppendWhoseAnswerWasLostIsSettledByReadingItBackAndWrittenOnce(bool applied)
    {
        string url = _azurite.Server.ContainerSasUrl(AzuriteFixture.Container, _blob);
        var losing = new LoseOneAppendAnswer(applied);
        var journal = TaskJournal.Open(new BlobJournalStore(BlobAddress.Parse(url), new HttpClient(losing)), create: true);
        journal.Append(JournalStoreContract.Image("aa").With(JournalState.NotSubmitted, error: "first"));

        losing.Armed = true;
        journal.Append(JournalStoreContract.Image("bb").With(JournalState.Submitted, "task-bb"));

        Assert.True(losing.Lost, "no answer was lost");
        var records = TaskJournal.Open(Store(url), create: false).Records;
        Assert.Equal(new[] { "aa", "bb" }, records.Select(r => r.ImageSha256));
        Assert.Single(records, r => r.TaskId == "task-bb");
    }

    [Fact]
    public void OnceTheAccountStopsAnsweringEveryLaterRequestOfTheCallFailsAtOnceAndClaimsAreStillGivenBack()
    {
        string url = _azurite.Server.ContainerSasUrl(AzuriteFixture.Container, _blob);
        var outage = new Outage();
        var journal = TaskJournal.Open(new BlobJournalStore(BlobAddress.Parse(url), new HttpClient(outage)), create: true);
        var paid = JournalStoreContract.Image("aa");
        Assert.Equal(ClaimKind.Claimed, journal.Claim(paid, false, out _, out _));
        journal.AppendClaim(paid, null, out _);

        outage.Down = true; // the storage account stops answering while the task is being sent
        var first = Assert.Throws<HailuoException>(() => journal.Append(paid.With(JournalState.Submitted, "task-aa")));
        int triedWhileDown = outage.Refused;
        journal.Release(paid); // what the submitter does before writing the paid task out: must not throw
        var next = Assert.Throws<HailuoException>(() => journal.Claim(JournalStoreContract.Image("bb"), false, out _, out _));

        Assert.Equal(ErrorIds.JournalStorageUnreachable, first.ErrorId);
        Assert.Equal(4, triedWhileDown); // one round: the first try and three more
        Assert.Equal(ErrorIds.JournalStorageUnreachable, next.ErrorId);
        Assert.Equal(triedWhileDown, outage.Refused); // the release and the next claim sent nothing
        Assert.Contains("/" + _blob + "'", next.Message); // named by the journal, not by a claim blob
    }

    /// <summary>Refuses every connection while <see cref="Down"/>, as a stopped storage account does.</summary>
    private sealed class Outage() : DelegatingHandler(new HttpClientHandler())
    {
        private int _refused;

        public bool Down { get; set; }

        public int Refused => Volatile.Read(ref _refused);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancel)
        {
            if (!Down)
                return base.SendAsync(request, cancel);
            Interlocked.Increment(ref _refused);
            throw new HttpRequestException("Connection refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused));
        }
    }

    /// <summary>Loses the answer of the next Append Block: after the service applied it, or before it was sent.</summary>
    private sealed class LoseOneAppendAnswer(bool applied) : DelegatingHandler(new HttpClientHandler())
    {
        public bool Armed { get; set; }

        public bool Lost { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancel)
        {
            if (Armed && request.RequestUri!.Query.Contains("comp=appendblock", StringComparison.Ordinal))
            {
                Armed = false;
                Lost = true;
                if (applied)
                    (await base.SendAsync(request, cancel)).Dispose();
                throw new TaskCanceledException("the answer never came");
            }
            return await base.SendAsync(request, cancel);
        }
    }

    [Theory]
    [InlineData("failed at https://a.blob.core.windows.net/c/b.jsonl?sv=2021-08-06&sig=SECRET%2B1 now", "failed at https://a.blob.core.windows.net/c/b.jsonl?<SAS removed> now")]
    [InlineData("sig=SECRET&sp=racw", "sig=<removed>&sp=racw")]
    [InlineData("no url here", "no url here")]
    public void RedactRemovesEveryUrlQueryAndStraySignature(string text, string shown) =>
        Assert.Equal(shown, BlobAddress.Redact(text));
}
