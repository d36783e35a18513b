// Runs a child process (the official pwsh through its launcher out/pwsh/pwsh, or a dotnet program) bounded in
// time, collecting what it prints, and stops it by its own process id when the time is up or when
// a test kills it on purpose.
using System.Diagnostics;

namespace HighwayHailuo.PesterTests;

internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private ChildProcess(Process process) => _process = process;

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string PwshPath => Path.Combine(RepoRoot, "out", "pwsh", OperatingSystem.IsWindows() ? "pwsh.cmd" : "pwsh");

    public static string ModuleManifest => Path.Combine(RepoRoot, "out", "HighwayHailuo", "HighwayHailuo.psd1");

    /// <summary>The dotnet host that runs these tests (dotnet test names it), for running a built program.</summary>
    public static string DotnetPath => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    public int Id => _process.Id;

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>pwsh -NoProfile -NonInteractive -File script args, to its end.</summary>
    public static (int ExitCode, string Output) RunPwshFile(string script, TimeSpan timeout, params string[] args)
    {
        using var child = StartPwshFile(script, RepoRoot, null, args);
        return (child.WaitForExit(timeout), child.Output);
    }

    public static (int ExitCode, string Output) Run(string fileName, IEnumerable<string> args, TimeSpan timeout)
    {
        using var child = Start(fileName, args, RepoRoot, null);
        return (child.WaitForExit(timeout), child.Output);
    }

    public static ChildProcess StartPwshFile(string script, string workingDirectory, IDictionary<string, string>? environment, params string[] args)
    {
        if (!File.Exists(PwshPath))
            throw new InvalidOperationException($"pwsh was not staged: expected {PwshPath} (dotnet build restores the PowerShell tool and writes it: tests/Pwsh).");
        return Start(PwshPath, new[] { "-NoProfile", "-NonInteractive", "-File", script }.Concat(args), workingDirectory, environment);
    }

    public static ChildProcess Start(string fileName, IEnumerable<string> args, string workingDirectory, IDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        // Never a live key or address: the children get FakeHighway's, or make their own.
        info.Environment.Remove("HIGHWAY_API_KEY");
        info.Environment.Remove("HIGHWAY_BASE_URI");
        info.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;

        var child = new ChildProcess(new Process { StartInfo = info });
        child._process.OutputDataReceived += (_, e) => child.Append(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        child._process.Start();
        child._process.StandardInput.Close();
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for the end and returns the exit code; past the timeout the process is killed and the test fails.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            throw new TimeoutException($"{Path.GetFileName(_process.StartInfo.FileName)} {string.Join(' ', _process.StartInfo.ArgumentList)} did not finish within {timeout.TotalMinutes:0.#} min; it was stopped. Output so far:\n{Output}");
        }
        _process.WaitForExit(); // drains the redirected streams
        return _process.ExitCode;
    }

    /// <summary>SIGKILL on Linux and macOS (TerminateProcess on Windows): no chance to clean up.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line != null)
            lock (_output)
                _output.AppendLine(line);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HighwayHailuo.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find the repository root (HighwayHailuo.sln) above " + AppContext.BaseDirectory);
    }
}
