// Runs a child process (the pwsh built from NuGet into out/pwsh/, or a dotnet program) bounded in
// time, collecting what it prints, and stops it by its own process id when the time is up.
using System.Diagnostics;

namespace HighwayHailuo.PesterTests;

internal static class ChildProcess
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string PwshPath => Path.Combine(RepoRoot, "out", "pwsh", OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");

    /// <summary>The dotnet host that runs these tests (dotnet test names it), for running a built program.</summary>
    public static string DotnetPath => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>pwsh -NoProfile -NonInteractive -File script args.</summary>
    public static (int ExitCode, string Output) RunPwshFile(string script, TimeSpan timeout, params string[] args)
    {
        if (!File.Exists(PwshPath))
            throw new InvalidOperationException($"pwsh was not built: expected {PwshPath} (dotnet build builds tests/Pwsh).");
        return Run(PwshPath, new[] { "-NoProfile", "-NonInteractive", "-File", script }.Concat(args), timeout);
    }

    public static (int ExitCode, string Output) Run(string fileName, IEnumerable<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = RepoRoot,
        };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        // Never a live key or address: the children make their own FakeHighway connections.
        info.Environment.Remove("HIGHWAY_API_KEY");
        info.Environment.Remove("HIGHWAY_BASE_URI");
        info.Environment["NO_COLOR"] = "1";

        var output = new System.Text.StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{Path.GetFileName(fileName)} {string.Join(' ', args)} did not finish within {timeout.TotalMinutes:0} min; it was stopped. Output so far:\n{output}");
        }
        process.WaitForExit(); // drains the redirected streams
        lock (output)
            return (process.ExitCode, output.ToString());
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
