// -Journal with an Azure Blob URL, through the real engine against Azurite and FakeHighway: the
// same promises as a journal file (each task recorded before it is written out, a rerun sends
// nothing again, Get-HailuoTask re-attaches), every URL or SAS that cannot work refused before
// anything is sent, and the SAS in no stream, no error and no file.
using FakeHighway;
using HighwayHailuo.TestSupport;
using Xunit;

namespace HighwayHailuo.Tests;

/// <summary>One Azurite for the class (stopped by its own id at the end), with the container the journals go in.</summary>
public sealed class AzuriteForJournals : IDisposable
{
    public const string Container = "journals";

    public AzuriteForJournals()
    {
        Server = AzuriteServer.Start();
        Server.CreateContainer(Container);
    }

    public AzuriteServer Server { get; }

    public void Dispose() => Server.Dispose();
}

public sealed class BlobJournalTests : IClassFixture<AzuriteForJournals>
{
    private readonly AzuriteServer _azurite;
    private readonly string _blob = "runs/" + Guid.NewGuid().ToString("N") + ".jsonl";

    public BlobJournalTests(AzuriteForJournals azurite) => _azurite = azurite.Server;

    private string Url(string permissions = "racw") => _azurite.ContainerSasUrl(AzuriteForJournals.Container, _blob, permissions);

    private static async Task<(FakeHighwayServer, PowerShellSession)> StartAsync(int images)
    {
        var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(200) });
        var session = new PowerShellSession(fake);
        for (int i = 0; i < images; i++)
            TestImages.Write(session.WorkDir, $"i{i}.png", TestImages.Png(400, 320 + i));
        return (fake, session);
    }

    private static void NoSasIn(string url, params RunResult[] runs)
    {
        string query = url.Split('?')[1];
        string signature = Uri.UnescapeDataString(query.Split("sig=")[1].Split('&')[0]);
        foreach (string text in runs.SelectMany(r => r.AllText()))
        {
            Assert.DoesNotContain(signature, text);
            Assert.DoesNotContain(query, text);
        }
    }

    [Fact]
    public async Task EachTaskIsInTheBlobBeforeItIsWrittenOutAndARerunSendsNothingAgain()
    {
        var (fake, session) = await StartAsync(3);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;
        string url = Url();

        var first = session.Run("""
            $journal = $args[0]
            Get-ChildItem *.png | New-HailuoVideo -Prompt 'slow push in' -Journal $journal -Verbose -Debug
            """, url);
        first.ThrowIfFailed();
        var tasks = first.Objects<HailuoTask>();
        Assert.Equal(3, tasks.Length);
        string written = System.Text.Encoding.UTF8.GetString(_azurite.ReadBlob(AzuriteForJournals.Container, _blob)!);
        Assert.All(tasks, t => Assert.Contains(t.TaskId, written));

        // Another session (another machine, as far as the journal can tell): nothing sent again.
        using var other = new PowerShellSession(fake);
        foreach (var png in Directory.GetFiles(session.WorkDir, "*.png"))
            File.Copy(png, Path.Combine(other.WorkDir, Path.GetFileName(png)));
        var again = other.Run("""
            $journal = $args[0]
            Get-ChildItem *.png | New-HailuoVideo -Prompt 'slow push in' -Journal $journal -Verbose | Wait-HailuoTask -PollInterval 0.1 | Save-HailuoVideo videos
            """, url);
        again.ThrowIfFailed();
        Assert.Equal(3, fake.Submissions.Count);
        Assert.Equal(3, again.Objects<FileInfo>().Length);
        Assert.Equal(3, again.Verbose.Count(v => v.Contains("(journal); not sending it again", StringComparison.Ordinal)));

        // Re-attaching with a read-only SAS.
        var reattached = other.Run("Get-HailuoTask -Journal $args[0]", Url("r"));
        reattached.ThrowIfFailed();
        Assert.Equal(tasks.Select(t => t.TaskId).Order(), reattached.Objects<HailuoTask>().Select(t => t.TaskId).Order());
        NoSasIn(url, first, again, reattached);
        Invariants.Hold(fake, session, first);
    }

    [Fact]
    public async Task WhatIfReadsTheBlobJournalAndSendsNothing()
    {
        var (fake, session) = await StartAsync(3);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;
        string url = Url();
        session.Run("New-HailuoVideo i0.png -Prompt p -Journal $args[0]", url).ThrowIfFailed();

        var preview = session.Run("Get-ChildItem *.png | New-HailuoVideo -Prompt p -Journal $args[0] -WhatIf", url);

        preview.ThrowIfFailed();
        Assert.Single(fake.Submissions);
        Assert.Equal(1, preview.Information.Count(i => i.Contains("it would be written out, not sent again", StringComparison.Ordinal)));
        Assert.Contains(preview.Information, i => i.StartsWith("What if: 2 videos", StringComparison.Ordinal) && i.Contains("Nothing was sent", StringComparison.Ordinal));
        NoSasIn(url, preview);
    }

    // Each row: how the URL is spoiled, and the ErrorId that must stop the call before anything is sent.
    public static TheoryData<string, string, System.Management.Automation.ErrorCategory> Spoiled() => new()
    {
        { "no-sas", "JournalUrlInvalid", System.Management.Automation.ErrorCategory.InvalidArgument },
        { "blob-sas", "JournalUrlInvalid", System.Management.Automation.ErrorCategory.InvalidArgument },
        { "read-only", "JournalSasPermissionMissing", System.Management.Automation.ErrorCategory.PermissionDenied },
        { "expired", "JournalSasExpired", System.Management.Automation.ErrorCategory.AuthenticationError },
        { "tampered", "JournalSasRejected", System.Management.Automation.ErrorCategory.AuthenticationError },
        { "no-container", "JournalContainerNotFound", System.Management.Automation.ErrorCategory.ObjectNotFound },
        { "unreachable", "JournalStorageUnreachable", System.Management.Automation.ErrorCategory.ConnectionError },
    };

    [Theory]
    [MemberData(nameof(Spoiled))]
    public async Task AJournalUrlThatCannotWorkStopsTheCallBeforeAnythingIsSent(string spoiled, string errorId, System.Management.Automation.ErrorCategory category)
    {
        var (fake, session) = await StartAsync(2);
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;
        string url = spoiled switch
        {
            "no-sas" => Url().Split('?')[0],
            "blob-sas" => _azurite.BlobSasUrl(AzuriteForJournals.Container, _blob, "racw"),
            "read-only" => Url("r"),
            "expired" => _azurite.ContainerSasUrl(AzuriteForJournals.Container, _blob, "racw", expiry: DateTimeOffset.UtcNow.AddMinutes(-5), start: DateTimeOffset.UtcNow.AddHours(-1)),
            "tampered" => Url().Replace("sig=", "sig=AAAA", StringComparison.Ordinal),
            "no-container" => _azurite.ContainerSasUrl("no-such-container", _blob),
            _ => Url().Replace($":{_azurite.Port}/", ":9/", StringComparison.Ordinal),
        };

        var result = session.Run("Get-ChildItem *.png | New-HailuoVideo -Prompt p -Journal $args[0]", url);

        Assert.NotNull(result.Terminating);
        Assert.Equal(errorId, result.Terminating!.ErrorId());
        Assert.Equal(category, result.Terminating.CategoryInfo.Category);
        Assert.Empty(result.Output);
        Assert.Equal(0, fake.SubmitRequestCount);
        Assert.Contains("Nothing", result.Terminating.Exception.Message, StringComparison.Ordinal);
        if (url.Contains("sig=", StringComparison.Ordinal))
            NoSasIn(url, result);
    }
}
