// A destination that refuses videos, made real: a read-only file system (EROFS) and a full one
// (ENOSPC), each mounted only inside private user and mount namespaces (unshare) for one real pwsh,
// so the machine's own mounts never change and no privilege is needed. Each must end the call at once with VideoWriteFailed, without
// one retry or one byte more fetched: the disk, not the network, is at fault.
using System.Text.RegularExpressions;
using FakeHighway;
using HighwayHailuo.Tests;
using Xunit;
using Xunit.Abstractions;

namespace HighwayHailuo.PesterTests;

public sealed class LocalDiskFailureTests(ITestOutputHelper log) : IDisposable
{
    private const string Script = """
        param([string] $Manifest)
        Import-Module $Manifest
        $tasks = @(Get-ChildItem ./photos | New-HailuoVideo -Prompt 'waves' | Wait-HailuoTask -PollInterval 0.1)
        "TASKS $($tasks.Count)"
        try { $null = $tasks | Save-HailuoVideo -Destination ./videos }
        catch { "TERMINATING $($_.FullyQualifiedErrorId.Split(',')[0]) $($_.CategoryInfo.Category): $($_.Exception.Message)" }
        foreach ($e in $Error) { "ERROR $($e.FullyQualifiedErrorId.Split(',')[0])" }
        "FILES $(@(Get-ChildItem ./videos -File -Force -ErrorAction Ignore).Count)"
        """;

    private readonly string _work = Directory.CreateTempSubdirectory("hailuo-disk-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    // What is mounted on ./videos before pwsh starts, in the child's own mount namespace.
    [Theory]
    [InlineData("read-only", "mount --bind videos videos && mount -o remount,bind,ro videos", 0, "Read-only file system")]
    [InlineData("full", "mount -t tmpfs -o size=128k hailuo-full videos", 1, "the disk is full")]
    public async Task ADestinationThatRefusesVideosEndsTheCallAtOnceWithNoRetry(string disk, string mount, int videoRequests, string why)
    {
        await using var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions
        {
            QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(100), VideoBytes = 2 * 1024 * 1024,
        });
        TestImages.Write(Path.Combine(_work, "photos"), "a.png", TestImages.Png(400, 320));
        Directory.CreateDirectory(Path.Combine(_work, "videos"));
        File.WriteAllText(Path.Combine(_work, "save.ps1"), Script);

        // unshare: a mount namespace of its own, so the mount vanishes with the process; in a user
        // namespace of its own too, so that mounting needs no privilege on the machine.
        using var run = ChildProcess.Start("unshare", new[]
        {
            "--user", "--map-root-user", "--mount", "--propagation", "private", "--", "sh", "-c", mount + " && exec \"$0\" \"$@\"",
            ChildProcess.PwshPath, "-NoProfile", "-NonInteractive", "-File", "save.ps1", "-Manifest", ChildProcess.ModuleManifest,
        }, _work, new Dictionary<string, string>
        {
            ["HIGHWAY_API_KEY"] = fake.Options.ApiKey,
            ["HIGHWAY_BASE_URI"] = fake.BaseUri.ToString(),
            ["HIGHWAY_RETRY_BASE_DELAY_MS"] = "10",
        });
        int exitCode = run.WaitForExit(TimeSpan.FromMinutes(2));
        log.WriteLine($"{disk}: exit {exitCode}\n{run.Output}");

        var lines = run.Output.Split('\n').Select(l => l.TrimEnd()).Where(l => Regex.IsMatch(l, "^(TASKS|TERMINATING|ERROR|FILES) ")).ToList();
        Assert.Contains("TASKS 1", lines);
        var stopped = Assert.Single(lines, l => l.StartsWith("TERMINATING ", StringComparison.Ordinal));
        Assert.StartsWith("TERMINATING VideoWriteFailed WriteError: ", stopped);
        Assert.Contains(why, stopped);
        Assert.Equal(new[] { "ERROR VideoWriteFailed" }, lines.Where(l => l.StartsWith("ERROR ", StringComparison.Ordinal)));
        Assert.Contains("FILES 0", lines); // no video, no temporary file, no probe left behind
        // Not one retry and, for the read-only disk, not one byte fetched: the disk, not the network, failed.
        Assert.Equal(videoRequests, fake.VideoRequestCount);
        Assert.DoesNotContain(fake.Requests, r => r.Host == "video" && r.Range != null);
    }
}
