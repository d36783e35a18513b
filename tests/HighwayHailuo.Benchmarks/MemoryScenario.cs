// 4. Memory while submitting large images: the module against a naive client that builds each
// request as one string (read the file, base64 it, put it in a JSON string). Each side runs in a
// child process of its own, so their peaks cannot mix; the working set is sampled every 10 ms.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FakeHighway;
using HighwayHailuo.Tests;

namespace HighwayHailuo.Benchmarks;

internal static class MemoryScenario
{
    private const int Images = 40;
    private const int Throttle = 8;
    private const long ImageBytes = 15L * 1024 * 1024;

    public static async Task<IEnumerable<string[]>> RunAsync(BenchOptions options)
    {
        await using var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions { SubmitLatency = TimeSpan.FromMilliseconds(300) });
        string dir = Directory.CreateTempSubdirectory("hailuo-bench-mem-").FullName;
        try
        {
            for (int i = 0; i < Images; i++)
                TestImages.Write(dir, $"big-{i:D2}.png", TestImages.Png(1200, 900 + i, padTo: ImageBytes));
            long module = RunChild("module", dir, fake);
            long naive = RunChild("naive", dir, fake);
            if (fake.Submissions.Count != 2 * Images)
                throw new InvalidOperationException($"Expected {2 * Images} accepted submissions, saw {fake.Submissions.Count}.");
            double mb(long b) => b / 1024.0 / 1024.0;
            return new[]
            {
                new[] { $"4. Peak memory growth, {Images} images of 15 MB at ThrottleLimit {Throttle} (MB)",
                    mb(module).ToString("0", CultureInfo.InvariantCulture),
                    mb(naive).ToString("0", CultureInfo.InvariantCulture) + " (naive whole-string client)",
                    (naive / (double)Math.Max(1, module)).ToString("0.0", CultureInfo.InvariantCulture) + "x less",
                    "< 64 MB and >= 5x less" },
            };
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static long RunChild(string mode, string dir, FakeHighwayServer fake)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileName(Environment.ProcessPath!).StartsWith("dotnet", StringComparison.OrdinalIgnoreCase))
            info.ArgumentList.Add(typeof(MemoryScenario).Assembly.Location); // running under "dotnet <dll>"
        foreach (var arg in new[] { "--child-memory", mode, dir, fake.BaseUri.ToString(), fake.Options.ApiKey })
            info.ArgumentList.Add(arg);
        using var child = Process.Start(info)!;
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("PEAK_GROWTH_BYTES=", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The {mode} child failed (exit {child.ExitCode}): {output}");
        return long.Parse(line.Split('=')[1].Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>The child side: measure one client's peak working-set growth over its own baseline.</summary>
    public static async Task<int> ChildAsync(string mode, string dir, string baseUri, string key)
    {
        var files = Directory.GetFiles(dir, "*.png").OrderBy(f => f).ToArray();
        BenchHost? host = null;
        if (mode == "module")
        {
            host = new BenchHost(dir);
            host.Run("Connect-Highway -ApiKey $args[0] -BaseUri $args[1]", key, baseUri);
        }
        using var http = new HttpClient();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var self = Process.GetCurrentProcess();
        self.Refresh();
        long baseline = self.WorkingSet64;
        long peak = baseline;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                self.Refresh();
                peak = Math.Max(peak, self.WorkingSet64);
                await Task.Delay(10);
            }
        });

        if (host != null)
            host.Run($"[IO.Directory]::GetFiles($PWD.Path, '*.png') | New-HailuoVideo -Prompt p -ThrottleLimit {Throttle} | Out-Null");
        else
            await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = Throttle }, async (file, ct) =>
            {
                // What a straightforward client does: the whole file, its base64, and the JSON, each as one object.
                string image = "data:image/png;base64," + Convert.ToBase64String(await File.ReadAllBytesAsync(file, ct));
                string json = JsonSerializer.Serialize(new { prompt = "p", image, duration = 6, resolution = "768P", enable_prompt_expansion = true, fast_pretreatment = false });
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(baseUri), "v3/async/minimax-hailuo-2.3-i2v"))
                {
                    Content = new StringContent(json, Encoding.UTF8, "application/json"),
                };
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
                using var response = await http.SendAsync(request, ct);
                response.EnsureSuccessStatusCode();
            });

        stop.Cancel();
        await sampler;
        host?.Dispose();
        Console.WriteLine("PEAK_GROWTH_BYTES=" + (peak - baseline).ToString(CultureInfo.InvariantCulture));
        return 0;
    }
}
