// Test support: runs Azurite (the Azure Storage emulator, blob service only) for the blob journal tests.
// Compiled into the test projects with <Compile Include="..\Shared\Azurite.cs" Link="Shared\Azurite.cs" />.
// BCL only. The key below is Azurite's public development key, not a secret.
// Facts behind the choices (port 0, ready line, SAS layouts): docs/design/blob-journal-spike.md.
#nullable enable

using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace HighwayHailuo.TestSupport;

/// <summary>
/// One azurite-blob process on 127.0.0.1 with a port chosen by the OS (<c>--blobPort 0</c>) and a fresh
/// temp location, plus the few REST calls tests need to arrange and inspect blobs (account SAS signed
/// with the well-known devstoreaccount1 key). Azurite is found through <c>AZURITE_BLOB</c> or installed
/// into <c>&lt;repo&gt;/.tools/azurite</c> with npm; when neither works the test fails (never skips).
/// </summary>
public sealed class AzuriteServer : IDisposable
{
    /// <summary>Azurite's public development key for <c>devstoreaccount1</c>.</summary>
    public const string WellKnownKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>The emulator's account name.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The x-ms-version sent with every request and the signed version (sv) of every SAS made here.</summary>
    public const string ApiVersion = "2021-08-06";

    /// <summary>The Azurite version installed when none is found.</summary>
    public const string AzuriteVersion = "3.35.0";

    const string ServicePermissionOrder = "racwdxyltmeopi";
    const string AccountPermissionOrder = "rwdxyltfacupi";
    static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);

    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };
    static readonly object InstallGate = new();
    static readonly object LiveGate = new();
    static readonly HashSet<AzuriteServer> Live = new();
    static bool exitHookAdded;

    readonly Process process;
    readonly List<string> output;
    readonly object stopGate = new();
    bool stopped;
    bool ownsLocation = true; // false once a restarted server took the folder over

    /// <summary>The port Azurite listens on (from its "successfully listens on" line).</summary>
    public int Port { get; }

    /// <summary>The azurite-blob (node) process id.</summary>
    public int ProcessId { get; }

    /// <summary>The account's service URL (path style), <c>http://127.0.0.1:PORT/devstoreaccount1</c>.</summary>
    public string AccountUrl => $"http://127.0.0.1:{Port}/{AccountName}";

    /// <summary>Azurite's data folder, a fresh folder under the temp path; deleted by <see cref="Dispose"/>.</summary>
    public string Location { get; }

    /// <summary>What Azurite printed so far (stdout, and stderr lines prefixed "stderr: "): for diagnostics.</summary>
    public string Output
    {
        get { lock (output) return string.Join("\n", output); }
    }

    AzuriteServer(Process process, List<string> output, int port, string location)
    {
        this.process = process;
        this.output = output;
        Port = port;
        ProcessId = process.Id;
        Location = location;
    }

    /// <summary>
    /// Starts azurite-blob and waits (at most 60 s) until it listens. Throws with Azurite's output when it
    /// exits early or does not get ready in time (and then kills it).
    /// </summary>
    public static AzuriteServer Start()
    {
        string bin = AzuriteBlobPath();
        string location = Path.Combine(Path.GetTempPath(), "hailuo-azurite", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(location);
        return StartOn(bin, location, deleteOnFailure: true);
    }

    /// <summary>
    /// Starts azurite-blob on an existing data folder, e.g. the <see cref="Location"/> of a server stopped
    /// with <see cref="StopGracefully"/>: the same containers and blobs, served on a new port (so every URL
    /// changes; make new SAS URLs from the new server). The new server owns the folder: its
    /// <see cref="Dispose"/> deletes it. The folder is left as it is when Azurite fails to start.
    /// </summary>
    public static AzuriteServer Start(string location)
    {
        if (!Directory.Exists(location))
            throw new DirectoryNotFoundException($"Azurite's data folder '{location}' does not exist.");
        return StartOn(AzuriteBlobPath(), location, deleteOnFailure: false);
    }

    /// <summary>
    /// A new Azurite on this (stopped) server's data folder: see <see cref="Start(string)"/>. The folder
    /// passes to the new server, so disposing this one no longer deletes it.
    /// </summary>
    public AzuriteServer Restart()
    {
        lock (stopGate)
        {
            if (!stopped)
                throw new InvalidOperationException(
                    $"Azurite (pid {ProcessId}) is still running; stop it (StopGracefully or Stop) before starting another on {Location}.");
            var next = Start(Location);
            ownsLocation = false;
            return next;
        }
    }

    static AzuriteServer StartOn(string bin, string location, bool deleteOnFailure)
    {
        var psi = new ProcessStartInfo(bin)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--blobHost", "127.0.0.1", "--blobPort", "0", "--location", location,
                     "--disableTelemetry", "--silent" })
            psi.ArgumentList.Add(a);

        var output = new List<string>();
        var ready = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.Add(e.Data);
            var m = Regex.Match(e.Data, @"successfully listens on http://127\.0\.0\.1:(\d+)");
            if (m.Success) ready.TrySetResult(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (output) output.Add("stderr: " + e.Data);
        };

        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            if (deleteOnFailure) TryDelete(location);
            throw new InvalidOperationException($"Could not start Azurite ({bin}): {ex.Message}", ex);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Waiting for the exit also waits for the end of its output, so an early exit reports all of it.
        var exited = process.WaitForExitAsync();
        int done = Task.WaitAny(new Task[] { ready.Task, exited }, ReadyTimeout);
        if (done == 0)
        {
            var server = new AzuriteServer(process, output, ready.Task.Result, location);
            Register(server);
            return server;
        }

        string reason;
        if (done == 1)
        {
            reason = $"exited with code {process.ExitCode} before it listened";
        }
        else
        {
            reason = $"did not report 'successfully listens on' within {ReadyTimeout.TotalSeconds:0} s";
            try { process.Kill(entireProcessTree: true); process.WaitForExit(10_000); }
            catch (InvalidOperationException) { }
        }
        string text;
        lock (output) text = string.Join("\n", output);
        process.Dispose();
        if (deleteOnFailure) TryDelete(location);
        throw new InvalidOperationException(
            $"Azurite ({bin}) {reason}. Output:\n{(text.Length == 0 ? "(none)" : text)}");
    }

    /// <summary>
    /// The azurite-blob executable: <c>AZURITE_BLOB</c> if set (it must exist), else
    /// <c>&lt;repo&gt;/.tools/azurite/node_modules/.bin/azurite-blob</c>, installed there with npm when missing.
    /// </summary>
    public static string AzuriteBlobPath()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("AZURITE_BLOB");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            if (!File.Exists(fromEnv))
                throw new FileNotFoundException(
                    $"AZURITE_BLOB names '{fromEnv}', which does not exist. Point it at an azurite-blob executable or unset it.",
                    fromEnv);
            return fromEnv;
        }

        string root = RepoRoot();
        string prefix = Path.Combine(root, ".tools", "azurite");
        string bin = Path.Combine(prefix, "node_modules", ".bin",
            OperatingSystem.IsWindows() ? "azurite-blob.cmd" : "azurite-blob");
        if (File.Exists(bin)) return bin;

        lock (InstallGate)
        {
            Directory.CreateDirectory(Path.Combine(root, ".tools"));
            using var installLock = TakeInstallLock(Path.Combine(root, ".tools", "azurite.install.lock"));
            if (File.Exists(bin)) return bin; // another process installed it while we waited
            Directory.CreateDirectory(prefix);
            InstallAzurite(prefix);
            if (!File.Exists(bin))
                throw new InvalidOperationException(
                    $"npm installed azurite@{AzuriteVersion} into {prefix} but {bin} is missing.");
            return bin;
        }
    }

    /// <summary>Create Container (account SAS); 201 and 409 ContainerAlreadyExists are fine, anything else throws.</summary>
    public void CreateContainer(string name)
    {
        string sas = AccountSasQuery("rwdlacup", "sco", DateTimeOffset.UtcNow.AddHours(1));
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{AccountUrl}/{Uri.EscapeDataString(name)}?restype=container&{sas}")
        {
            Content = new ByteArrayContent(Array.Empty<byte>()),
        };
        request.Headers.Add("x-ms-version", ApiVersion);
        using var response = Http.Send(request);
        if (response.StatusCode == HttpStatusCode.Created) return;
        string body = ReadBody(response);
        if (response.StatusCode == HttpStatusCode.Conflict && ErrorCode(response, body) == "ContainerAlreadyExists") return;
        throw Failure($"Create Container '{name}'", response, body);
    }

    /// <summary>A blob URL carrying a service SAS for the whole container (sr=c).</summary>
    public string ContainerSasUrl(string container, string blobPath, string permissions = "racw",
        DateTimeOffset? expiry = null, DateTimeOffset? start = null) =>
        BlobUrl(container, blobPath) + "?" +
        ServiceSasQuery(container, null, permissions, expiry ?? DateTimeOffset.UtcNow.AddHours(2), start);

    /// <summary>A blob URL carrying a service SAS for that one blob only (sr=b).</summary>
    public string BlobSasUrl(string container, string blobPath, string permissions) =>
        BlobUrl(container, blobPath) + "?" +
        ServiceSasQuery(container, blobPath, permissions, DateTimeOffset.UtcNow.AddHours(2), null);

    /// <summary>A blob URL carrying an account SAS (ss=b); expires in 2 h.</summary>
    public string AccountSasUrl(string container, string blobPath, string permissions = "racwdl", string resourceTypes = "sco") =>
        BlobUrl(container, blobPath) + "?" + AccountSasQuery(permissions, resourceTypes, DateTimeOffset.UtcNow.AddHours(2));

    /// <summary>Get Blob (account SAS): the blob's bytes, or null when it does not exist (404).</summary>
    public byte[]? ReadBlob(string container, string blobPath)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, AccountSasUrl(container, blobPath, "r", "o"));
        request.Headers.Add("x-ms-version", ApiVersion);
        using var response = Http.Send(request);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (response.StatusCode == HttpStatusCode.OK)
            return response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
        throw Failure($"Get Blob '{container}/{blobPath}'", response, ReadBody(response));
    }

    /// <summary>List Blobs (account SAS): every blob name in the container, optionally under a prefix.</summary>
    public string[] ListBlobs(string container, string? prefix = null)
    {
        var names = new List<string>();
        string sas = AccountSasQuery("l", "sco", DateTimeOffset.UtcNow.AddHours(1));
        string marker = "";
        do
        {
            string url = $"{AccountUrl}/{Uri.EscapeDataString(container)}?restype=container&comp=list" +
                         $"&prefix={Uri.EscapeDataString(prefix ?? "")}" +
                         (marker.Length > 0 ? $"&marker={Uri.EscapeDataString(marker)}" : "") + "&" + sas;
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Add("x-ms-version", ApiVersion);
            using var response = Http.Send(request);
            string body = ReadBody(response);
            if (response.StatusCode != HttpStatusCode.OK)
                throw Failure($"List Blobs '{container}'", response, body);
            var doc = XDocument.Parse(body);
            names.AddRange(doc.Descendants("Blob").Select(b => (string?)b.Element("Name")).OfType<string>());
            marker = (string?)doc.Root?.Element("NextMarker") ?? "";
        } while (marker.Length > 0);
        return names.ToArray();
    }

    /// <summary>Kills azurite (SIGKILL to its own process id) and waits for it to exit. Idempotent.</summary>
    public void Stop()
    {
        lock (stopGate)
        {
            if (stopped) return;
            stopped = true;
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    if (!process.WaitForExit(30_000))
                        throw new InvalidOperationException($"Azurite (pid {ProcessId}) did not exit within 30 s of SIGKILL.");
                }
            }
            catch (InvalidOperationException) when (process.HasExited) { }
            finally
            {
                process.Dispose();
                lock (LiveGate) Live.Remove(this);
            }
        }
    }

    /// <summary>
    /// Stops azurite as a service manager would: SIGTERM to its own process id (Azurite 3.35 closes its
    /// server and saves its metadata), waiting up to <paramref name="timeout"/> (10 s by default) for it
    /// to exit, then SIGKILL. On Windows, which has no SIGTERM, it is killed at once. Returns true when
    /// it exited on SIGTERM. The data folder is kept (for <see cref="Restart"/>). Idempotent (false once stopped).
    /// </summary>
    public bool StopGracefully(TimeSpan? timeout = null)
    {
        lock (stopGate)
        {
            if (stopped) return false;
            stopped = true;
            bool graceful = false;
            try
            {
                if (!process.HasExited)
                {
                    if (!OperatingSystem.IsWindows() && SendSigterm(ProcessId))
                        graceful = process.WaitForExit(timeout ?? TimeSpan.FromSeconds(10));
                    if (!graceful && !process.HasExited)
                    {
                        process.Kill(entireProcessTree: true);
                        if (!process.WaitForExit(30_000))
                            throw new InvalidOperationException($"Azurite (pid {ProcessId}) did not exit within 30 s of SIGKILL.");
                    }
                }
                process.WaitForExit(); // the end of its output ("successfully closed")
            }
            catch (InvalidOperationException) when (process.HasExited) { }
            finally
            {
                process.Dispose();
                lock (LiveGate) Live.Remove(this);
            }
            return graceful;
        }
    }

    // kill -TERM <pid> (the kill program, so no native interop is needed). False when it could not be sent.
    static bool SendSigterm(int pid)
    {
        var psi = new ProcessStartInfo(File.Exists("/bin/kill") ? "/bin/kill" : "kill")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add("-TERM");
        psi.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        try
        {
            using var kill = Process.Start(psi)!;
            kill.StandardOutput.ReadToEnd();
            kill.StandardError.ReadToEnd();
            if (!kill.WaitForExit(10_000))
            {
                kill.Kill();
                return false;
            }
            return kill.ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return false;
        }
    }

    /// <summary>Stops azurite and deletes its location folder (unless a restarted server took it over).</summary>
    public void Dispose()
    {
        Stop();
        bool owns;
        lock (stopGate) owns = ownsLocation;
        if (owns) TryDelete(Location);
    }

    /// <summary>Base64(HMAC-SHA256(Base64Decode(<see cref="WellKnownKey"/>), UTF-8(stringToSign))).</summary>
    public static string Sign(string stringToSign)
    {
        using var hmac = new HMACSHA256(Convert.FromBase64String(WellKnownKey));
        return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(stringToSign)));
    }

    // Service SAS, sv >= 2020-12-06: 16 fields joined by \n, no trailing \n:
    // sp, st, se, canonicalizedResource, si, sip, spr, sv, sr, snapshotTime, ses, rscc, rscd, rsce, rscl, rsct.
    // blobPath null => container SAS (sr=c), else a SAS for that blob (sr=b). Names are signed unencoded.
    static string ServiceSasQuery(string container, string? blobPath, string permissions, DateTimeOffset expiry, DateTimeOffset? start)
    {
        string sp = Order(permissions, ServicePermissionOrder);
        string sr = blobPath is null ? "c" : "b";
        string st = start is { } s ? Iso(s) : "";
        string se = Iso(expiry);
        string resource = $"/blob/{AccountName}/{container}" + (blobPath is null ? "" : "/" + blobPath);
        string stringToSign = string.Join("\n",
            sp, st, se, resource, "", "", "", ApiVersion, sr, "", "", "", "", "", "", "");
        var q = new StringBuilder();
        Add(q, "sv", ApiVersion);
        if (st.Length > 0) Add(q, "st", st);
        Add(q, "se", se);
        Add(q, "sr", sr);
        Add(q, "sp", sp);
        Add(q, "sig", Sign(stringToSign));
        return q.ToString();
    }

    // Account SAS, sv >= 2020-12-06: account, sp, ss, srt, st, se, sip, spr, sv, ses, each followed by \n.
    static string AccountSasQuery(string permissions, string resourceTypes, DateTimeOffset expiry)
    {
        string sp = Order(permissions, AccountPermissionOrder);
        string se = Iso(expiry);
        string stringToSign = $"{AccountName}\n{sp}\nb\n{resourceTypes}\n\n{se}\n\n\n{ApiVersion}\n\n";
        var q = new StringBuilder();
        Add(q, "sv", ApiVersion);
        Add(q, "ss", "b");
        Add(q, "srt", resourceTypes);
        Add(q, "sp", sp);
        Add(q, "se", se);
        Add(q, "sig", Sign(stringToSign));
        return q.ToString();
    }

    string BlobUrl(string container, string blobPath)
    {
        string url = $"{AccountUrl}/{Uri.EscapeDataString(container)}";
        if (blobPath.Length > 0)
            url += "/" + string.Join("/", blobPath.Split('/').Select(Uri.EscapeDataString));
        return url;
    }

    static string Iso(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    static string Order(string permissions, string order)
    {
        foreach (char c in permissions)
            if (!order.Contains(c))
                throw new ArgumentException($"Unknown SAS permission '{c}' (known: {order}).", nameof(permissions));
        return new string(order.Where(permissions.Contains).ToArray());
    }

    static void Add(StringBuilder q, string key, string value)
    {
        if (q.Length > 0) q.Append('&');
        q.Append(key).Append('=').Append(Uri.EscapeDataString(value));
    }

    static string ReadBody(HttpResponseMessage response) =>
        response.Content.ReadAsStringAsync().GetAwaiter().GetResult();

    static string? ErrorCode(HttpResponseMessage response, string body)
    {
        if (response.Headers.TryGetValues("x-ms-error-code", out var values)) return values.FirstOrDefault();
        try { return (string?)XDocument.Parse(body).Root?.Element("Code"); }
        catch (System.Xml.XmlException) { return null; }
    }

    static InvalidOperationException Failure(string what, HttpResponseMessage response, string body) =>
        new($"{what} on Azurite failed: {(int)response.StatusCode} {response.ReasonPhrase} " +
            $"(x-ms-error-code {ErrorCode(response, body) ?? "none"}).\n{body}");

    // The folder holding HighwayHailuo.psd1 above the test binaries (or, for a tool run elsewhere, above
    // the current directory).
    static string RepoRoot()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "HighwayHailuo.psd1")))
                    return dir.FullName;
        }
        throw new InvalidOperationException(
            $"Cannot find the repository root (the folder with HighwayHailuo.psd1) above {AppContext.BaseDirectory} " +
            $"or {Environment.CurrentDirectory}, so Azurite cannot be installed into .tools/azurite. Set AZURITE_BLOB " +
            "to an azurite-blob executable.");
    }

    // An exclusive lock on a file, so two test processes never run npm install into the same folder at once.
    static FileStream TakeInstallLock(string path)
    {
        var deadline = DateTime.UtcNow + InstallTimeout + TimeSpan.FromMinutes(1);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(250);
            }
        }
    }

    static void InstallAzurite(string prefix)
    {
        var psi = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "install", "--prefix", prefix, $"azurite@{AzuriteVersion}", "--no-audit", "--no-fund" })
            psi.ArgumentList.Add(a);

        var output = new StringBuilder();
        using var npm = new Process { StartInfo = psi };
        npm.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        npm.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        try
        {
            npm.Start();
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException(
                "Azurite is needed by the blob journal tests; install Node.js and npm (`apt-get install nodejs npm`) " +
                $"or set AZURITE_BLOB to an azurite-blob executable. (Could not start npm: {ex.Message})", ex);
        }
        npm.StandardInput.Close();
        npm.BeginOutputReadLine();
        npm.BeginErrorReadLine();
        if (!npm.WaitForExit(InstallTimeout))
        {
            try { npm.Kill(entireProcessTree: true); npm.WaitForExit(10_000); }
            catch (InvalidOperationException) { }
            throw new TimeoutException(
                $"npm install azurite@{AzuriteVersion} into {prefix} took longer than {InstallTimeout.TotalMinutes:0} min " +
                $"and was stopped. Output:\n{Text(output)}");
        }
        npm.WaitForExit(); // the end of its output
        if (npm.ExitCode != 0)
            throw new InvalidOperationException(
                $"npm install azurite@{AzuriteVersion} into {prefix} failed with exit code {npm.ExitCode}. " +
                $"Install it by hand or set AZURITE_BLOB. Output:\n{Text(output)}");
    }

    static string Text(StringBuilder sb)
    {
        lock (sb) return sb.ToString();
    }

    // Servers still running when the test process ends are killed, so no node process outlives the tests.
    static void Register(AzuriteServer server)
    {
        lock (LiveGate)
        {
            Live.Add(server);
            if (exitHookAdded) return;
            exitHookAdded = true;
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            AzuriteServer[] left;
            lock (LiveGate) left = Live.ToArray();
            foreach (var s in left)
            {
                try { s.Stop(); } catch (Exception) { }
            }
        };
    }

    static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
