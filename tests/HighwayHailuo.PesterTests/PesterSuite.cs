// Every test of tests/Pester, reported one by one. Discovery asks Pester for the tests (without
// running them); the first test to run makes the suite run once, whole, in a real pwsh.
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace HighwayHailuo.PesterTests;

public sealed class PesterSuite : IClassFixture<PesterSuite.Run>
{
    private static readonly string s_runner = Path.Combine(ChildProcess.RepoRoot, "tests", "Pester", "Run.ps1");
    private readonly Run _run;
    private readonly ITestOutputHelper _output;

    public PesterSuite(Run run, ITestOutputHelper output)
    {
        _run = run;
        _output = output;
    }

    /// <summary>The suite's test names, from Pester's own discovery.</summary>
    public static IEnumerable<object[]> Tests() => Execute(discoverOnly: true).Select(t => new object[] { t.Name });

    [Theory]
    [MemberData(nameof(Tests))]
    public void Passes(string test)
    {
        var result = _run.Results.FirstOrDefault(r => r.Name == test);
        Assert.True(result != null, $"Pester did not report '{test}' when the suite ran.\n{_run.Output}");
        _output.WriteLine($"{result!.Result} in {result.Seconds:0.###} s");
        Assert.True(result.Result == "Passed", $"{result.Result}: {result.Message}");
    }

    [Fact]
    public void RunsWholeWithNoFailureOutsideATest()
    {
        var outside = _run.Results.Where(r => r.Name.StartsWith("[", StringComparison.Ordinal)).ToList();
        Assert.True(outside.Count == 0, string.Join("\n", outside.Select(r => r.Name + ": " + r.Message)));
        Assert.Equal(Tests().Count(), _run.Results.Count);
        Assert.True(_run.ExitCode == 0, $"pwsh exited with {_run.ExitCode}.\n{_run.Output}");
    }

    private static List<PesterTestResult> Execute(bool discoverOnly, Action<int, string>? done = null)
    {
        string resultPath = Path.Combine(Path.GetTempPath(), $"hailuo-pester-{Guid.NewGuid():N}.json");
        try
        {
            var args = new List<string> { "-ResultPath", resultPath };
            if (discoverOnly)
                args.Add("-DiscoverOnly");
            var (exitCode, output) = ChildProcess.RunPwshFile(s_runner, discoverOnly ? TimeSpan.FromMinutes(2) : TimeSpan.FromMinutes(20), args.ToArray());
            if (!File.Exists(resultPath))
                throw new InvalidOperationException($"The Pester runner wrote no results (exit code {exitCode}).\n{output}");
            done?.Invoke(exitCode, output);
            return JsonSerializer.Deserialize<List<PesterTestResult>>(File.ReadAllText(resultPath)) ?? new List<PesterTestResult>();
        }
        finally
        {
            File.Delete(resultPath);
        }
    }

    /// <summary>The whole suite, run once for all the tests of this class.</summary>
    public sealed class Run
    {
        public Run()
        {
            Results = Execute(discoverOnly: false, (code, output) => { ExitCode = code; Output = output; });
        }

        public IReadOnlyList<PesterTestResult> Results { get; }
        public int ExitCode { get; private set; }
        public string Output { get; private set; } = "";
    }

    public sealed record PesterTestResult(string Name, string Result, string Message, double Seconds);
}
