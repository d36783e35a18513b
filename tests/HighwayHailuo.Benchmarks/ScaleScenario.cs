// 9. Cost per image as the batch grows: 100, 1,000 and 5,000 images through
// `Get-ChildItem | New-HailuoVideo | Wait-HailuoTask | Save-HailuoVideo` at ThrottleLimit 32 in a
// real pwsh process (out/pwsh/), each size on a fresh server and a fresh rate ledger. The child
// measures its own pipeline (wall, CPU, GC bytes allocated, peak working set); the same images then
// go through a bare client (the floor: the same requests from a plain loop that polls all its tasks
// in rounds), also in a child process of its own. Every figure is per image, against the ideal
// schedule, the floor or the smallest size, so it holds on a noisy machine.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FakeHighway;
using HighwayHailuo.Tests;

namespace HighwayHailuo.Benchmarks;

internal static class ScaleScenario
{
    private const int Throttle = 32;
    private const long VideoBytes = 64 * 1024;
    private static readonly TimeSpan s_submitLatency = TimeSpan.FromMilliseconds(100);
    // How often the bare client asks about all its unfinished tasks: the module's first interval.
    private static readonly TimeSpan s_roundEvery = TimeSpan.FromSeconds(2);

    private static string F(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>A task's life, 3 to 6 s, fixed by its image (so the ideal can be computed from what the server received).</summary>
    private static double LifeSeconds(string? imageSha256) =>
        3 + 3 * (Convert.ToUInt32((imageSha256 ?? "0").Substring(0, 8), 16) / (double)uint.MaxValue);

    private static FakeHighwayOptions Server() => new()
    {
        SubmitLatency = s_submitLatency,
        ResultLatency = TimeSpan.FromMilliseconds(10),
        VideoBytes = VideoBytes,
        TaskLife = s => (TimeSpan.Zero, TimeSpan.FromSeconds(LifeSeconds(s.ImageSha256))),
    };

    /// <summary>What one child process measured around its own batch.</summary>
    private sealed record Measured(int Images, double WallSeconds, double CpuSeconds, long GcBytes, long PeakWorkingSet, int Polls, double IdealSeconds, long ImageBytes, double ServerCpuSeconds);

    /// <summary>The median of each figure over repeated runs of one size (each figure on its own).</summary>
    private static Measured Median(IReadOnlyList<Measured> runs)
    {
        T Mid<T>(Func<Measured, T> figure) => runs.Select(figure).OrderBy(v => v).ElementAt(runs.Count / 2);
        return new Measured(runs[0].Images, Mid(m => m.WallSeconds), Mid(m => m.CpuSeconds), Mid(m => m.GcBytes), Mid(m => m.PeakWorkingSet),
            Mid(m => m.Polls), Mid(m => m.IdealSeconds), runs[0].ImageBytes, Mid(m => m.ServerCpuSeconds));
    }

    public static async Task<IEnumerable<string[]>> RunAsync(BenchOptions options)
    {
        var sizes = options.ScaleSizes;
        string dir = Directory.CreateTempSubdirectory("hailuo-bench-scale-").FullName;
        try
        {
            var module = new List<Measured>();
            var bare = new List<Measured>();
            foreach (int size in sizes)
            {
                string images = Path.Combine(dir, "images-" + size);
                for (int i = 0; i < size; i++)
                    TestImages.Write(images, $"img-{i:D5}.png", TestImages.Png(400 + i % 97, 320 + i / 97));
                // Module and floor take turns, so neither always runs on a warmer (or busier) machine.
                var moduleRuns = new List<Measured>();
                var bareRuns = new List<Measured>();
                for (int run = 0; run < options.ScaleRepeat; run++)
                {
                    moduleRuns.Add(await RunAsync(size, images, Path.Combine(dir, $"module-{size}-{run}"), bareClient: false));
                    bareRuns.Add(await RunAsync(size, images, Path.Combine(dir, $"bare-{size}-{run}"), bareClient: true));
                    Console.WriteLine($"    {size} #{run + 1}: module {Describe(moduleRuns[^1])}; bare {Describe(bareRuns[^1])}");
                }
                module.Add(Median(moduleRuns));
                bare.Add(Median(bareRuns));
            }
            return Rows(module, bare);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Describe(Measured m) =>
        $"{F(m.WallSeconds, "0.0")} s (ideal {F(m.IdealSeconds, "0.0")}), CPU {F(m.CpuSeconds, "0.0")} s (server {F(m.ServerCpuSeconds, "0.0")} s), GC {m.GcBytes / 1024 / 1024} MB, peak {m.PeakWorkingSet / 1024 / 1024} MB, {m.Polls} polls";

    private static string runs(Measured m) => m.Images.ToString("N0", CultureInfo.InvariantCulture);

    private static IEnumerable<string[]> Rows(List<Measured> module, List<Measured> bare)
    {
        var rows = new List<string[]>();
        static double Ms(Measured m) => m.CpuSeconds * 1000 / m.Images;
        static double Kb(Measured m) => m.GcBytes / 1024.0 / m.Images;
        // The target leaves out the image's and the video's own bytes (the issue's rule).
        static double OwnBytesKb(Measured m) => (m.ImageBytes / (double)m.Images + VideoBytes) / 1024;
        for (int i = 0; i < module.Count; i++)
        {
            var m = module[i];
            var b = bare[i];
            string n = m.Images.ToString("N0", CultureInfo.InvariantCulture);
            double memoryTarget = 150 + 25.0 * m.Images / 1024;
            rows.Add(new[] { $"9. {n} images, New, Wait, Save at ThrottleLimit {Throttle}: wall (s)", F(m.WallSeconds, "0.0"), F(m.IdealSeconds, "0.0") + " (ideal schedule)", F(m.WallSeconds / m.IdealSeconds) + "x", "<= 1.10x" });
            rows.Add(new[] { $"9. {n} images: the bare client's wall, and the machine's load in the module's run (CPU of client and server over 2 cores x wall)", F(b.WallSeconds, "0.0") + " s", F(b.WallSeconds / b.IdealSeconds) + "x of ideal", F((m.CpuSeconds + m.ServerCpuSeconds) / (Environment.ProcessorCount * m.WallSeconds) * 100, "0") + "% busy", "report" });
            rows.Add(new[] { $"9. {n} images: CPU per image (ms)", F(Ms(m)), F(Ms(b)) + " (bare client)", F(Ms(m) / Ms(b)) + "x", "<= 2 ms" });
            rows.Add(new[] { $"9. {n} images: GC bytes allocated per image (KB)", F(Kb(m), "0"), F(Kb(b), "0") + " (bare client)", F(Kb(m) / Kb(b)) + "x", $"<= 256 KB + image and video ({F(OwnBytesKb(m), "0")} KB)" });
            rows.Add(new[] { $"9. {n} images: peak working set (MB)", F(m.PeakWorkingSet / 1024.0 / 1024, "0"), F(b.PeakWorkingSet / 1024.0 / 1024, "0") + " (bare client)", "-", $"<= {F(memoryTarget, "0")} MB" });
            rows.Add(new[] { $"9. {n} images: task-result polls per task", F((double)m.Polls / m.Images, "0.0"), F((double)b.Polls / b.Images, "0.0") + $" (bare client, rounds every {s_roundEvery.TotalSeconds:0} s)", F((double)m.Polls / Math.Max(1, b.Polls)) + "x", "<= 1.00x" });
        }
        if (module.Count > 1)
        {
            var small = module[0];
            var large = module[^1];
            // The cost of one more image, free of the process's fixed start-up (JIT, first requests).
            double marginal(List<Measured> runs) => (runs[^1].CpuSeconds - runs[^2].CpuSeconds) * 1000 / (runs[^1].Images - runs[^2].Images);
            rows.Add(new[] { $"9. CPU per additional image, {runs(module[^2])} to {runs(large)} images (ms)", F(marginal(module)), F(marginal(bare)) + " (bare client)", F(marginal(module) / marginal(bare)) + "x", "<= 2 ms" });
            string label = $"{large.Images:N0} against {small.Images:N0}";
            rows.Add(new[] { $"9. Per image, {label}: wall against ideal / CPU / GC bytes", $"{F(large.WallSeconds / large.IdealSeconds / (small.WallSeconds / small.IdealSeconds))}x / {F(Ms(large) / Ms(small))}x / {F((double)large.GcBytes / large.Images / ((double)small.GcBytes / small.Images))}x", "-", "-", "1.0x" });
        }
        return rows;
    }

    private static async Task<Measured> RunAsync(int size, string images, string work, bool bareClient)
    {
        await using var fake = await FakeHighwayServer.StartAsync(Server());
        Directory.CreateDirectory(work);
        string videos = Path.Combine(work, "videos");
        var info = bareClient
            ? new ProcessStartInfo(Environment.ProcessPath!) { ArgumentList = { "--child-bare", images, videos, fake.BaseUri.ToString(), fake.Options.ApiKey } }
            : PwshChild(images, videos);
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.WorkingDirectory = work;
        // A ledger and module data of its own, so each size starts as a first run (the folder
        // exists, as ~/.local/share does on a user's machine).
        info.Environment["XDG_DATA_HOME"] = Directory.CreateDirectory(Path.Combine(work, "data")).FullName;
        info.Environment["HIGHWAY_API_KEY"] = fake.Options.ApiKey;
        info.Environment["HIGHWAY_BASE_URI"] = fake.BaseUri.ToString();
        var server = Process.GetCurrentProcess(); // FakeHighway runs in this process
        var serverCpu = server.TotalProcessorTime;
        using var child = Process.Start(info)!;
        var stderr = child.StandardError.ReadToEndAsync();
        string output = await child.StandardOutput.ReadToEndAsync();
        if (!child.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            child.Kill(entireProcessTree: true);
            throw new TimeoutException("The scale child did not finish in 15 minutes.");
        }
        server.Refresh();
        double serverSeconds = (server.TotalProcessorTime - serverCpu).TotalSeconds;
        string? line = output.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        if (line == null)
            throw new InvalidOperationException($"The scale child ({(bareClient ? "bare" : "module")}, {size}) printed no result: {output} {await stderr}");
        var part = line.Trim().Split(' ');
        int saved = int.Parse(part[1], CultureInfo.InvariantCulture);
        int videoFiles = Directory.GetFiles(videos).Length;
        if (saved != size || videoFiles != size || fake.Submissions.Count != size)
            throw new InvalidOperationException($"{size} images gave {saved} outputs, {videoFiles} files and {fake.Submissions.Count} submissions ({(bareClient ? "bare" : "module")}). {await stderr}");

        // The ideal: submissions in the order the server received them through 32 lanes of the
        // submit latency, then each task's own life; the batch cannot end before its last task.
        var order = fake.Submissions.ToList();
        double ideal = order.Select((s, rank) => (rank / Throttle + 1) * s_submitLatency.TotalSeconds + LifeSeconds(s.ImageSha256)).Max();
        long imageBytes = Directory.GetFiles(images).Sum(f => new FileInfo(f).Length);
        var requests = fake.Requests;
        var posts = requests.Where(r => r.Method == "POST" && r.Status == 200).Select(r => r.Received).OrderBy(t => t).ToList();
        var downloads = requests.Where(r => r.Method == "GET" && r.PathAndQuery.Contains(".mp4", StringComparison.Ordinal)).Select(r => r.Received).OrderBy(t => t).ToList();
        Console.WriteLine($"      [{(bareClient ? "bare" : "module")}] submit span {F((posts[^1] - posts[0]).TotalSeconds, "0.0")} s (ideal {F((size - 1) / Throttle * s_submitLatency.TotalSeconds, "0.0")}), first submit to last video request {F((downloads[^1] - posts[0]).TotalSeconds, "0.0")} s, requests {requests.Count}");
        return new Measured(size,
            double.Parse(part[2], CultureInfo.InvariantCulture), double.Parse(part[3], CultureInfo.InvariantCulture),
            long.Parse(part[4], CultureInfo.InvariantCulture), long.Parse(part[5], CultureInfo.InvariantCulture),
            fake.ResultRequestCount, ideal, imageBytes, serverSeconds);
    }

    private static ProcessStartInfo PwshChild(string images, string videos)
    {
        string script = Path.Combine(Path.GetDirectoryName(videos)!, "scale.ps1");
        // The user's pipeline, measured from inside: the process's CPU and GC counters before and after.
        File.WriteAllText(script, """
            param([string] $Manifest, [string] $Images, [string] $Videos)
            Import-Module $Manifest
            $self = [Diagnostics.Process]::GetCurrentProcess()
            $cpu = $self.TotalProcessorTime
            $gc = [GC]::GetTotalAllocatedBytes($true)
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $saved = Get-ChildItem -LiteralPath $Images -Filter *.png |
                New-HailuoVideo -Prompt 'slow push in' -ThrottleLimit 32 | Wait-HailuoTask |
                Save-HailuoVideo -Destination $Videos | Measure-Object
            $clock.Stop()
            $gc = [GC]::GetTotalAllocatedBytes($true) - $gc
            $self.Refresh()
            $cpu = ($self.TotalProcessorTime - $cpu).TotalSeconds
            "RESULT $($saved.Count) $($clock.Elapsed.TotalSeconds) $cpu $gc $($self.PeakWorkingSet64)" # expandable strings format numbers invariantly
            """);
        string pwsh = Path.Combine(BenchHost.RepoRoot, "out", "pwsh", OperatingSystem.IsWindows() ? "pwsh.cmd" : "pwsh");
        var info = new ProcessStartInfo(pwsh);
        foreach (var arg in new[] { "-NoProfile", "-NonInteractive", "-File", script, "-Manifest", BenchHost.ModuleManifest, "-Images", images, "-Videos", videos })
            info.ArgumentList.Add(arg);
        return info;
    }

    /// <summary>
    /// The floor, in a child process: the same requests from a plain loop. 32 lanes submit (read
    /// the file, base64 it into the JSON body); one loop asks about every unfinished task once a
    /// round and downloads each video as its task ends.
    /// </summary>
    public static async Task<int> BareChildAsync(string images, string videos, string baseUri, string key)
    {
        Directory.CreateDirectory(videos);
        var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        long gc = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();

        using var api = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Throttle }) { BaseAddress = new Uri(baseUri) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var storage = new HttpClient();
        var files = new ConcurrentQueue<string>(Directory.GetFiles(images, "*.png").OrderBy(f => f, StringComparer.Ordinal));
        var pending = new ConcurrentDictionary<string, string>(); // task id -> image file
        int saved = 0;

        var lanes = Enumerable.Range(0, Throttle).Select(_ => Task.Run(async () =>
        {
            while (files.TryDequeue(out var file))
            {
                string body = "{\"prompt\":\"slow push in\",\"image\":\"data:image/png;base64," + Convert.ToBase64String(await File.ReadAllBytesAsync(file))
                    + "\",\"duration\":6,\"resolution\":\"768P\",\"enable_prompt_expansion\":true,\"fast_pretreatment\":false}";
                using var response = await api.PostAsync("v3/async/minimax-hailuo-2.3-i2v", new StringContent(body, Encoding.UTF8, "application/json"));
                response.EnsureSuccessStatusCode();
                using var answer = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
                pending[answer.RootElement.GetProperty("task_id").GetString()!] = file;
            }
        })).ToList();
        var submitted = Task.WhenAll(lanes);

        using var gate = new SemaphoreSlim(Throttle);
        while (!submitted.IsCompleted || !pending.IsEmpty)
        {
            var round = Task.Delay(s_roundEvery);
            await Task.WhenAll(pending.ToArray().Select(async task =>
            {
                await gate.WaitAsync();
                try
                {
                    using var response = await api.GetAsync("v3/async/task-result?task_id=" + Uri.EscapeDataString(task.Key));
                    response.EnsureSuccessStatusCode();
                    using var answer = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
                    string status = answer.RootElement.GetProperty("task").GetProperty("status").GetString()!;
                    if (status == "TASK_STATUS_FAILED")
                        throw new InvalidOperationException("task failed: " + task.Key);
                    if (status != "TASK_STATUS_SUCCEED")
                        return;
                    string url = answer.RootElement.GetProperty("videos")[0].GetProperty("video_url").GetString()!;
                    using (var video = await storage.GetAsync(url, HttpCompletionOption.ResponseHeadersRead))
                    {
                        video.EnsureSuccessStatusCode();
                        await using var target = File.Create(Path.Combine(videos, Path.GetFileNameWithoutExtension(task.Value) + ".mp4"));
                        await video.Content.CopyToAsync(target);
                    }
                    pending.TryRemove(task.Key, out _);
                    Interlocked.Increment(ref saved);
                }
                finally
                {
                    gate.Release();
                }
            }));
            await Task.WhenAny(round, submitted.IsCompleted && pending.IsEmpty ? Task.CompletedTask : round);
        }
        await submitted;

        clock.Stop();
        gc = GC.GetTotalAllocatedBytes(precise: true) - gc;
        self.Refresh();
        double cpuSeconds = (self.TotalProcessorTime - cpu).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {saved} {clock.Elapsed.TotalSeconds} {cpuSeconds} {gc} {self.PeakWorkingSet64}"));
        return 0;
    }
}
