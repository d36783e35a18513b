// A hosted PowerShell 7.6 runspace with the staged module imported, for timing real pipelines.
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace HighwayHailuo.Benchmarks;

internal sealed class BenchHost : IDisposable
{
    private readonly Runspace _runspace;

    public BenchHost(string workDir, bool importModule = true)
    {
        _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        _runspace.Open();
        _runspace.SessionStateProxy.Path.SetLocation(workDir);
        if (importModule)
            Run("Import-Module $args[0] -ErrorAction Stop", ModuleManifest);
    }

    public static string RepoRoot { get; } = FindRepoRoot();
    public static string ModuleManifest => Path.Combine(RepoRoot, "out", "HighwayHailuo", "HighwayHailuo.psd1");

    /// <summary>Runs a script and returns its output; any error fails the benchmark loudly.</summary>
    public List<PSObject> Run(string script, params object?[] args)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        foreach (var arg in args)
            ps.AddArgument(arg);
        var output = ps.Invoke().ToList();
        if (ps.Streams.Error.Count > 0)
            throw new InvalidOperationException("The benchmark script reported errors: " + string.Join("; ", ps.Streams.Error.Take(5).Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
        return output;
    }

    public void Dispose() => _runspace.Dispose();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "HighwayHailuo.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Cannot find HighwayHailuo.sln above " + AppContext.BaseDirectory);
    }
}
