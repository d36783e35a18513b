// The README's "try it offline" command, run as a newcomer runs it: it must show the whole tour
// and leave nothing behind.
using System.Text.RegularExpressions;
using Xunit;

namespace HighwayHailuo.PesterTests;

public sealed class TryOfflineTests
{
    [Fact]
    public void TheTourSubmitsWaitsSavesAndStopsTheServer()
    {
        // The trial program sits beside this one: same configuration, its own project folder.
        string here = Path.GetRelativePath(Path.Combine(ChildProcess.RepoRoot, "tests", "HighwayHailuo.PesterTests"), AppContext.BaseDirectory);
        string program = Path.Combine(ChildProcess.RepoRoot, "tests", "TryOffline", here, "TryOffline.dll");
        var tempBefore = Directory.GetDirectories(Path.GetTempPath(), "hailuo-try-*");

        var (exitCode, output) = ChildProcess.Run(ChildProcess.DotnetPath, new[] { program }, TimeSpan.FromMinutes(5));

        Assert.True(exitCode == 0, $"exit code {exitCode}\n{output}");
        string plain = Regex.Replace(output, @"\x1b\[[0-9;]*[A-Za-z]", "");
        Assert.Contains("> $tasks = Get-ChildItem ./photos | New-HailuoVideo", plain);
        Assert.Contains("Cannot submit", plain);                 // notes.jpg is refused before sending
        Assert.Matches(@"(?m)^\S.*\s+6 s 768P\s+\S+", plain);   // the task table
        Assert.Matches(@"(?m)\s524288 harbour\.mp4\s*$", plain);   // Save-HailuoVideo's files, as Get-ChildItem shows them
        Assert.Contains("Prompt      : The camera slowly pushes in [推进]", plain);
        // notes.jpg is counted as refused, not silently left out of the total.
        Assert.Contains("What if: 2 videos, 20 s of video in total: Hailuo-2.3 20 s (2 at 768P); estimated cost about 1.12 USD (from Get-HailuoPrice: an estimate, not a quote). 1 item was refused (see the errors). Nothing was sent.", plain);
        Assert.Contains("What if: 2 videos, 12 s of video in total: Hailuo-02 12 s (2 at 768P); estimated cost unknown (Get-HailuoPrice has no figure for them). Nothing was sent.", plain); // text only
        Assert.Contains("Model       : Hailuo-2.3", plain);
        Assert.Contains("FakeHighway created 3 tasks and served 3 video downloads.", plain);
        Assert.Equal(tempBefore.OrderBy(d => d), Directory.GetDirectories(Path.GetTempPath(), "hailuo-try-*").OrderBy(d => d));
    }
}
