// Unattended use: no prompts, -ErrorAction Stop stops at the first failure, $ProgressPreference is
// obeyed, -Verbose logs each request and -Debug shows bodies with the image data left out.
using System.Text.RegularExpressions;
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class RunbookTests
{
    private static async Task<(FakeHighwayServer, PowerShellSession)> StartAsync()
    {
        var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(100) });
        var session = new PowerShellSession(fake);
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));
        TestImages.Write(session.WorkDir, "b.png", TestImages.Png(400, 321));
        File.WriteAllText(Path.Combine(session.WorkDir, "bad.png"), "not an image");
        return (fake, session);
    }

    [Fact]
    public async Task ErrorActionStopTurnsTheFirstFailureIntoATerminatingErrorAndSendsNothingAfterIt()
    {
        var (fake, session) = await StartAsync();
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;

        var result = session.Run("'bad.png', 'a.png', 'b.png' | New-HailuoVideo -Prompt p -ErrorAction Stop -ThrottleLimit 1");

        Assert.Equal("UnsupportedImageFormat", result.Terminating?.ErrorId());
        Assert.Empty(fake.Submissions);
    }

    [Fact]
    public async Task NothingPromptsInAnUnattendedRun()
    {
        var (fake, session) = await StartAsync();
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;

        // ConfirmImpact is Medium: under the default $ConfirmPreference (High) nothing asks. The
        // test host throws on any prompt or read, so a question would fail the run.
        var result = session.Run("New-HailuoVideo a.png -Prompt p | Wait-HailuoTask -PollInterval 0.1 | Save-HailuoVideo videos");

        result.ThrowIfFailed();
        Assert.Single(result.Objects<FileInfo>());
    }

    [Fact]
    public async Task ProgressPreferenceSilentlyContinueWritesNoProgress()
    {
        var (fake, session) = await StartAsync();
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;

        var quiet = session.Run("$ProgressPreference = 'SilentlyContinue'; 'a.png', 'b.png' | New-HailuoVideo -Prompt p | Wait-HailuoTask -PollInterval 0.1");
        var shown = session.Run("$ProgressPreference = 'Continue'; 'a.png', 'b.png' | New-HailuoVideo -Prompt q | Wait-HailuoTask -PollInterval 0.1");

        quiet.ThrowIfFailed();
        Assert.Empty(quiet.Progress);
        Assert.NotEmpty(shown.Progress);
    }

    [Fact]
    public async Task VerboseLogsEachRequestAndDebugShowsBodiesWithoutImageDataOrKey()
    {
        var (fake, session) = await StartAsync();
        await using var fakeLifetime = fake;
        using var sessionLifetime = session;

        var result = session.Run("New-HailuoVideo a.png -Prompt 'slow dawn' -Verbose -Debug | Wait-HailuoTask -PollInterval 0.1 -Verbose");

        result.ThrowIfFailed();
        string id = fake.Submissions[0].TaskId!;
        Assert.Contains(result.Verbose, v => Regex.IsMatch(v, @"^POST /v3/async/minimax-hailuo-2\.3-i2v -> 200 OK in \d+ ms \(task " + Regex.Escape(id) + @"\)$"));
        Assert.Contains(result.Verbose, v => Regex.IsMatch(v, @"^GET /v3/async/task-result -> 200 OK in \d+ ms \(task " + Regex.Escape(id) + @"\)$"));
        var body = Assert.Single(result.Debug, d => d.Contains("\"prompt\":\"slow dawn\"", StringComparison.Ordinal));
        Assert.Matches(@"data:image/png;base64,<[\d,]+ bytes>", body);
        Assert.True(body.Length < 400, "the image data is left out");
        Assert.DoesNotContain(fake.Options.ApiKey, string.Join("\n", result.Debug.Concat(result.Verbose)));
    }
}
