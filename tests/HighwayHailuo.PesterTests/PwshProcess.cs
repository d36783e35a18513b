// Runs a script file in the pwsh built from NuGet (out/pwsh/), bounded in time, and stops it by
// its own process id when the time is up.
using System.Diagnostics;

namespace HighwayHailuo.PesterTests;

internal static class PwshProcess
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string PwshPath => Path.Combine(RepoRoot, "out", "pwsh", OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");

    /// <summary>Runs pwsh -NoProfile -NonInteractive -File script args; returns the exit code and everything it printed.</summary>
    public static (int ExitCode, string Output) RunFile(string script, TimeSpan timeout, params string[] args)
    {
        if (!File.Exists(PwshPath))
            throw new InvalidOperationException($"pwsh was not built: expected {PwshPath} (dotnet build builds tests/Pwsh).");
        var info = new ProcessStartInfo(PwshPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = RepoRoot,
        };
        foreach (var arg in new[] { "-NoProfile", "-NonInteractive", "-File", script }.Concat(args))
            info.ArgumentList.Add(arg);
        // Never a live key or address: the suite makes its own FakeHighway connections.
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
            throw new TimeoutException($"pwsh did not finish {Path.GetFileName(script)} within {timeout.TotalMinutes:0} min; it was stopped. Output so far:\n{output}");
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
