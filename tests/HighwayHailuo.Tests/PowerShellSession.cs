// Runs scripts in a real PowerShell 7.6 runspace that has imported the staged module
// (out/HighwayHailuo/HighwayHailuo.psd1), with its current location in a fresh temp folder.
using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using FakeHighway;
using HighwayHailuo.Errors;
using HighwayHailuo.Hosting;

namespace HighwayHailuo.Tests;

public sealed class PowerShellSession : IDisposable
{
    private static readonly object s_opening = new();
    private readonly Runspace _runspace;

    [ModuleInitializer]
    internal static void ShortenRetries()
    {
        // The backoff keeps its shape (exponential, jittered, capped) but in milliseconds, so
        // retry tests take moments. Unit tests check the real one-second schedule.
        Environment.SetEnvironmentVariable("HIGHWAY_RETRY_BASE_DELAY_MS", "10");
        // Rate limits are per minute in the API; tests limit per 2 s so that pacing takes moments.
        Environment.SetEnvironmentVariable("HIGHWAY_RATE_WINDOW_SECONDS", "2");
    }

    public PowerShellSession(FakeHighwayServer? fake = null, bool connect = true)
    {
        WorkDir = Directory.CreateTempSubdirectory("hailuo-test-").FullName;
        Host = new RecordingHost();
        // One runspace opens at a time: the engine can open runspaces concurrently without some of
        // their built-in commands (PowerShell issue 17150; seen here once as "Import-Module is not
        // recognized" while test classes ran in parallel).
        lock (s_opening)
        {
            var state = InitialSessionState.CreateDefault2();
            _runspace = RunspaceFactory.CreateRunspace(Host, state);
            _runspace.Open();
        }
        _runspace.SessionStateProxy.Path.SetLocation(WorkDir);
        var imported = Run("Import-Module $args[0] -ErrorAction Stop; (Get-Module HighwayHailuo).Version.ToString()", ModuleManifest);
        if (imported.Terminating != null)
            throw new InvalidOperationException("Import-Module failed: " + imported.Terminating);
        if (fake != null && connect)
            Run("Connect-Highway -ApiKey $args[0] -BaseUri $args[1]", fake.Options.ApiKey, fake.BaseUri.ToString()).ThrowIfFailed();
    }

    public RecordingHost Host { get; }
    public string WorkDir { get; }
    public Runspace Runspace => _runspace;

    public static string RepoRoot { get; } = FindRepoRoot();
    public static string ModuleFolder => Path.Combine(RepoRoot, "out", "HighwayHailuo");
    public static string ModuleManifest => Path.Combine(ModuleFolder, "HighwayHailuo.psd1");

    /// <summary>Runs a script; $args holds the arguments. Never throws for PowerShell errors: they are in the result.</summary>
    public RunResult Run(string script, params object?[] args)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        // A statement-terminating error (ThrowTerminatingError, a binding error) does not escape a
        // script: it is written to the error stream and the next statement runs. The try/catch
        // takes it out, so tests can tell terminating from non-terminating errors.
        ps.AddScript("$global:__terminating = $null\ntry {\n" + script + "\n} catch { $global:__terminating = $_ }");
        foreach (var arg in args)
            ps.AddArgument(arg);
        var result = Collect(ps, () => ps.Invoke());
        if (_runspace.SessionStateProxy.GetVariable("__terminating") is ErrorRecord terminating)
        {
            result.Terminating = terminating;
            result.Errors.RemoveAll(e => ReferenceEquals(e, terminating) || e.Exception == terminating.Exception);
        }
        return result;
    }

    /// <summary>Starts a script without waiting, for Ctrl+C tests (PowerShell.Stop()).</summary>
    public RunningScript Start(string script, params object?[] args)
    {
        var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        foreach (var arg in args)
            ps.AddArgument(arg);
        var output = new PSDataCollection<PSObject>();
        var handle = ps.BeginInvoke<PSObject, PSObject>(null, output);
        return new RunningScript(ps, handle, output);
    }

    internal static RunResult Collect(PowerShell ps, Func<Collection<PSObject>> invoke)
    {
        var result = new RunResult();
        try
        {
            result.Output.AddRange(invoke());
        }
        catch (PipelineStoppedException ex)
        {
            result.Stopped = ex;
        }
        catch (RuntimeException ex)
        {
            result.Terminating = ex.ErrorRecord;
        }
        result.Errors.AddRange(ps.Streams.Error);
        result.Warnings.AddRange(ps.Streams.Warning.Select(w => w.Message));
        result.Verbose.AddRange(ps.Streams.Verbose.Select(v => v.Message));
        result.Debug.AddRange(ps.Streams.Debug.Select(d => d.Message));
        result.Progress.AddRange(ps.Streams.Progress);
        result.Information.AddRange(ps.Streams.Information.Select(i => i.MessageData?.ToString() ?? ""));
        result.InformationRecords.AddRange(ps.Streams.Information);
        return result;
    }

    public void Dispose()
    {
        _runspace.Dispose();
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
        }
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

public sealed class RunningScript : IDisposable
{
    private readonly PowerShell _ps;
    private readonly IAsyncResult _handle;

    internal RunningScript(PowerShell ps, IAsyncResult handle, PSDataCollection<PSObject> output)
    {
        _ps = ps;
        _handle = handle;
        Output = output;
    }

    public PSDataCollection<PSObject> Output { get; }

    /// <summary>Presses Ctrl+C and collects what the pipeline produced.</summary>
    public RunResult Stop()
    {
        _ps.Stop();
        return PowerShellSession.Collect(_ps, () =>
        {
            _ps.EndInvoke(_handle);
            return new Collection<PSObject>(Output.ToList());
        });
    }

    public void Dispose() => _ps.Dispose();
}

public sealed class RunResult
{
    public List<PSObject> Output { get; } = new();
    public List<ErrorRecord> Errors { get; } = new();
    public List<string> Warnings { get; } = new();
    public List<string> Verbose { get; } = new();
    public List<string> Debug { get; } = new();
    public List<ProgressRecord> Progress { get; } = new();
    public List<string> Information { get; } = new();
    public List<InformationRecord> InformationRecords { get; } = new();
    public ErrorRecord? Terminating { get; set; }
    public PipelineStoppedException? Stopped { get; set; }

    public IEnumerable<string> ErrorIds => Errors.Select(e => e.FullyQualifiedErrorId);

    public T[] Objects<T>() => Output.Select(o => o.BaseObject).OfType<T>().ToArray();

    public RunResult ThrowIfFailed()
    {
        if (Terminating != null || Errors.Count > 0)
            throw new Xunit.Sdk.XunitException("The script failed: " + string.Join("\n", new[] { Terminating }.Concat(Errors).Where(e => e != null).Select(e => e!.FullyQualifiedErrorId + ": " + e.Exception.Message)));
        return this;
    }

    /// <summary>Every piece of text the run produced, for leak checks.</summary>
    public IEnumerable<string> AllText()
    {
        foreach (var o in Output)
        {
            yield return o.ToString();
            foreach (var p in o.Properties)
            {
                object? value;
                try { value = p.Value; } catch (Exception) { continue; }
                if (value != null)
                    yield return value.ToString() ?? "";
            }
        }
        foreach (var e in Errors.Concat(Terminating == null ? Array.Empty<ErrorRecord>() : new[] { Terminating }))
        {
            yield return e.ToString();
            yield return e.Exception.ToString();
            yield return e.ErrorDetails?.Message ?? "";
            yield return e.TargetObject?.ToString() ?? "";
        }
        foreach (var s in Warnings.Concat(Verbose).Concat(Debug).Concat(Information))
            yield return s;
        foreach (var p in Progress)
            yield return p.Activity + " " + p.StatusDescription + " " + p.CurrentOperation;
    }
}

/// <summary>What tests read off an ErrorRecord.</summary>
public static class ErrorRecordExtensions
{
    /// <summary>The module's ErrorId: the FullyQualifiedErrorId without the command name after the comma.</summary>
    public static string ErrorId(this ErrorRecord record) => record.FullyQualifiedErrorId.Split(',')[0];
}

/// <summary>A FakeHighway and a session connected to it, the pair most tests start with; disposed together, session first.</summary>
public sealed class FakeRig : IAsyncDisposable
{
    private FakeRig(FakeHighwayServer fake, PowerShellSession session) => (Fake, Session) = (fake, session);

    public FakeHighwayServer Fake { get; }
    public PowerShellSession Session { get; }

    public static async Task<FakeRig> StartAsync(FakeHighwayOptions? options = null)
    {
        var fake = await FakeHighwayServer.StartAsync(options);
        try
        {
            return new FakeRig(fake, new PowerShellSession(fake));
        }
        catch
        {
            await fake.DisposeAsync();
            throw;
        }
    }

    public void Deconstruct(out FakeHighwayServer fake, out PowerShellSession session) => (fake, session) = (Fake, Session);

    public async ValueTask DisposeAsync()
    {
        Session.Dispose();
        await Fake.DisposeAsync();
    }
}
