// What users tried in a real pwsh, and what they expected (issue 17): each as it was done, through
// the engine, against FakeHighway.
using System.Net;
using System.Net.Sockets;
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class WhatUsersTriedTests
{
    private static FakeHighwayOptions Quick() => new() { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(100) };

    private static void Photos(PowerShellSession session, int count)
    {
        for (int i = 0; i < count; i++)
            TestImages.Write(session.WorkDir, $"p{i:00}.png", TestImages.Png(400, 320 + i));
    }

    [Fact]
    public void WithTheApiHostDownTwelveImagesGetOneTerminatingErrorNotTwelve()
    {
        using var session = new PowerShellSession();
        Photos(session, 12);
        // A port nobody listens on: every connection is refused.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var result = session.Run("Get-ChildItem *.png | New-HailuoVideo -Prompt p -ApiKey k -BaseUri $args[0] -Journal run.jsonl -Verbose", $"http://127.0.0.1:{port}/");

        Assert.Equal("HailuoServiceUnreachable", result.Terminating?.ErrorId());
        Assert.Contains("Nothing more is sent", result.Terminating!.Exception.Message);
        Assert.Empty(result.Errors);
        // One request's five attempts decide it for all: at most the four in flight retried, not all twelve.
        int retries = result.Verbose.Count(v => v.Contains("Retrying in", StringComparison.Ordinal));
        Assert.InRange(retries, 4, 4 * 4);
        // Refused before a byte was sent: nothing is unknown, so a rerun sends them all.
        Assert.DoesNotContain("\"state\":\"unknown\"", File.ReadAllText(Path.Combine(session.WorkDir, "run.jsonl")));
    }

    [Fact]
    public async Task CsvRowsPowerShellWouldHaveRefusedAreNamedByNumberAndCountedInTheWhatIfSummary()
    {
        await using var rig = await FakeRig.StartAsync(Quick());
        var (fake, session) = rig;
        Photos(session, 2);
        File.WriteAllText(Path.Combine(session.WorkDir, "jobs.csv"), """
            Path,Prompt,Duration
            p00.png,first,6
            p01.png,second,7
            p00.png,,6
            ,fourth,6
            p01.png,fifth,10
            """.Replace("            ", ""));

        var result = session.Run("Import-Csv jobs.csv | New-HailuoVideo -WhatIf");

        Assert.Equal(new[] { "DurationNotSupported", "PromptEmpty", "ImageMissing" }, result.Errors.Select(e => e.ErrorId()));
        Assert.StartsWith("Row 2 (Path 'p01.png', Prompt 'second', Duration 7): ", result.Errors[0].Exception.Message);
        Assert.StartsWith("Row 3 (Path 'p00.png', Prompt '', Duration 6): ", result.Errors[1].Exception.Message);
        Assert.StartsWith("Row 4 (Prompt 'fourth', Duration 6) names no image", result.Errors[2].Exception.Message);
        Assert.Contains("What if: 2 videos, 16 s of video in total: Hailuo-2.3 16 s (2 at 768P); estimated cost about 0.84 USD (from Get-HailuoPrice: an estimate, not a quote). 3 items were refused (see the errors). Nothing was sent.", result.Information);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task AfterConnectingToAnotherKeyABareGetHailuoTaskAsksOnlyAboutThatConnectionsTasks()
    {
        await using var first = await FakeHighwayServer.StartAsync(Quick());
        await using var second = await FakeHighwayServer.StartAsync(Quick());
        using var session = new PowerShellSession(first);
        Photos(session, 2);
        var made = session.Run("Get-ChildItem *.png | New-HailuoVideo -Prompt p").ThrowIfFailed().Objects<HailuoTask>();

        var listed = session.Run("Connect-Highway -ApiKey $args[0] -BaseUri $args[1]; Get-HailuoTask", second.Options.ApiKey, second.BaseUri.ToString());
        int askedAfterListing = second.ResultRequestCount;
        var named = session.Run("Get-HailuoTask -TaskId $args[0]", made[0].TaskId);

        Assert.Empty(listed.Errors);
        Assert.Contains("2 task(s) this session made through another connection", Assert.Single(listed.Warnings));
        Assert.Equal(0, askedAfterListing); // the new server was not asked about them
        var notFound = Assert.Single(named.Errors);
        Assert.Equal("HailuoTaskNotFound", notFound.ErrorId());
        Assert.Contains("made through another connection", notFound.Exception.Message);
        Assert.DoesNotContain(first.Options.ApiKey, string.Join("\n", listed.AllText().Concat(named.AllText())));
    }

    [Theory]
    [InlineData("api.example.com", "https://api.example.com/")]
    [InlineData("api.example.com/v1", "https://api.example.com/v1/")]
    public void ABaseUriWithoutASchemeMeansHttps(string typed, string used)
    {
        using var session = new PowerShellSession();

        var result = session.Run("Connect-Highway -ApiKey k -BaseUri $args[0] -Verbose", typed).ThrowIfFailed();

        Assert.Contains($"against {used}", Assert.Single(result.Verbose));
    }

    [Fact]
    public async Task AJournalOfANewerFormatSaysSoAndOneOfRefusalsOnlySaysWhatIsTrue()
    {
        await using var rig = await FakeRig.StartAsync(Quick());
        var (fake, session) = rig;
        Photos(session, 1);
        File.WriteAllText(Path.Combine(session.WorkDir, "newer.jsonl"), "{\"highwayHailuoJournal\":3}\n");
        fake.Faults.Submit.Enqueue(Fault.Status(400));
        session.Run("New-HailuoVideo p00.png -Prompt p -Journal refused.jsonl");
        File.WriteAllText(Path.Combine(session.WorkDir, "empty.jsonl"), "");

        var newer = session.Run("Get-HailuoTask -Journal newer.jsonl");
        var refused = session.Run("Get-HailuoTask -Journal refused.jsonl");
        var empty = session.Run("Get-HailuoTask -Journal empty.jsonl");
        var missing = session.Run("Get-HailuoTask -Journal missing.jsonl");

        Assert.Equal("JournalInvalid", newer.Terminating?.ErrorId());
        Assert.Contains("written by a newer HighwayHailuo (journal format 3", newer.Terminating!.Exception.Message);
        refused.ThrowIfFailed();
        Assert.Empty(refused.Output);
        Assert.Contains("holds no task: each of its 1 submission(s) was refused or never sent, so nothing was billed", Assert.Single(refused.Warnings));
        Assert.Contains("is empty: no submission was ever recorded in it", empty.Terminating?.Exception.Message);
        Assert.Contains("There is no journal", missing.Terminating?.Exception.Message);
    }

    [Fact]
    public async Task AWellFormedIdTheServerDoesNotKnowIsHailuoTaskNotFoundAndAMalformedOneNeverLeaves()
    {
        await using var rig = await FakeRig.StartAsync(Quick());
        var (fake, session) = rig;

        var unknown = session.Run("Get-HailuoTask -TaskId 'nope-nope'");
        var malformed = session.Run("Get-HailuoTask -TaskId 'nope/nope', ('x' * 300), 'a`nb'");

        // Only the server knows which ids exist: a well-formed one is asked about.
        Assert.Equal("HailuoTaskNotFound", Assert.Single(unknown.Errors).ErrorId());
        Assert.Equal(1, fake.ResultRequestCount);
        Assert.Equal(new[] { "InvalidTaskId", "InvalidTaskId", "InvalidTaskId" }, malformed.Errors.Select(e => e.ErrorId()));
        Assert.All(malformed.Errors, e => Assert.True(e.Exception.Message.Length < 250 && !e.Exception.Message.Contains('\n'), e.Exception.Message));
        Assert.Equal(1, fake.ResultRequestCount); // the malformed ones never left
    }
}
