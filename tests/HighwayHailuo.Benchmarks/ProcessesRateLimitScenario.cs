// 8. Several processes, one key, one limit: P real pwsh processes (the pwsh built from NuGet) each
// submit their own share of the images at once, against a server that accepts at most 60
// submissions in any window (60 s by default) and answers 429 without Retry-After beyond that. The
// processes share what they learn through the user's rate ledger; the figures say how close they
// come to the allowed rate together and what share of their submission requests the 429s wasted,
// for a first batch on a new key (cold) and for the next batch (warm).
using System.Diagnostics;
using System.Globalization;
using FakeHighway;
using HighwayHailuo.Tests;

namespace HighwayHailuo.Benchmarks;

internal static class ProcessesRateLimitScenario
{
    private const int Limit = 60;

    private static string F(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);

    public static async Task<IEnumerable<string[]>> RunAsync(BenchOptions options)
    {
        var rows = new List<string[]>();
        foreach (int processes in new[] { 2, 4 })
            rows.AddRange(await RunOnceAsync(processes, options.RateImages, TimeSpan.FromSeconds(options.RateWindowSeconds)));
        return rows;
    }

    private static async Task<IEnumerable<string[]>> RunOnceAsync(int processes, int images, TimeSpan window)
    {
        await using var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions
        {
            SubmitLatency = Scenarios.SubmitLatency,
            SubmitRateLimit = Limit,
            SubmitRateWindow = window,
        });
        string dir = Directory.CreateTempSubdirectory("hailuo-bench-procs-").FullName;
        try
        {
            string script = Path.Combine(dir, "submit.ps1");
            File.WriteAllText(script, """
                param([string] $Manifest, [string] $Folder)
                Import-Module $Manifest
                $tasks = Get-ChildItem (Join-Path $Folder '*.png') | New-HailuoVideo -Prompt p -ThrottleLimit 8 -ErrorAction SilentlyContinue -ErrorVariable failed
                "COUNTS $(@($tasks).Count) $(@($failed).Count)"
                """);
            // Cold: a key no process has used, so the limit must be found by a refusal. Warm: the
            // same processes' next batch right after, when the shared ledger knows the limit.
            var rows = new List<string[]>();
            rows.AddRange(await RunBatchAsync("cold", 0));
            rows.AddRange(await RunBatchAsync("warm", 1));
            return rows;

            async Task<IEnumerable<string[]>> RunBatchAsync(string label, int batch)
            {
                for (int i = 0; i < images; i++)
                    TestImages.Write(Path.Combine(dir, $"b{batch}p{i % processes}"), $"r-{i:D4}.png", TestImages.Png(400 + batch, 320 + i % 400));
                int requestsBefore = fake.SubmitRequestCount, refusedBefore = fake.RateLimitedSubmits;
                var started = DateTimeOffset.UtcNow;

                var children = Enumerable.Range(0, processes).Select(p => StartPwsh(script, Path.Combine(dir, $"b{batch}p{p}"), fake, window)).ToList();
                int submitted = 0, failed = 0;
                foreach (var child in children)
                {
                    using (child)
                    {
                        if (!child.WaitForExit(TimeSpan.FromMinutes(15)))
                        {
                            child.Kill(entireProcessTree: true);
                            throw new TimeoutException("A submitting process did not finish in 15 minutes.");
                        }
                        string output = child.StandardOutput.ReadToEnd();
                        var counts = output.Split('\n').Single(l => l.StartsWith("COUNTS ", StringComparison.Ordinal)).Split(' ');
                        submitted += int.Parse(counts[1], CultureInfo.InvariantCulture);
                        failed += int.Parse(counts[2], CultureInfo.InvariantCulture);
                    }
                }
                if (submitted + failed != images)
                    throw new InvalidOperationException($"{images} images gave {submitted} tasks and {failed} errors.");

                var accepted = fake.Requests.Where(r => r.Method == "POST" && r.Status == 200 && r.Received >= started).Select(r => r.Received).OrderBy(t => t).ToList();
                double span = (accepted[^1] - accepted[0]).TotalSeconds;
                double idealSpan = (images - 1) / Limit * window.TotalSeconds;
                // Acceptances per window from the first, and when each 429 came: what a span longer than the ideal lost.
                var perWindow = accepted.GroupBy(t => (int)((t - accepted[0]).TotalSeconds / window.TotalSeconds)).OrderBy(g => g.Key).Select(g => g.Count());
                var refusals = fake.Requests.Where(r => r.Method == "POST" && r.Status == 429 && r.Received >= started).Select(r => F((r.Received - accepted[0]).TotalSeconds, "0.0"));
                Console.WriteLine($"      {processes} processes, {label}: accepted per window {string.Join(", ", perWindow)}; 429s at {string.Join(", ", refusals)} s");
                int requests = fake.SubmitRequestCount - requestsBefore, refused = fake.RateLimitedSubmits - refusedBefore;
                int duplicates = fake.Submissions.Count - fake.Submissions.Select(s => s.ImageSha256).Distinct().Count();
                string limit = $"{Limit}/{F(window.TotalSeconds, "0")} s";
                return new[]
                {
                    new[] { $"8. {processes} processes, {label}, {images} submissions in all under one {limit} limit: first to last acceptance (s)", F(span, "0.0"), F(idealSpan, "0.0") + " (the limit's minimum)", F(idealSpan / span) + "x of the allowed rate", ">= 0.9x" },
                    new[] { $"8. {processes} processes, {label}: 429s / submit requests (wasted share) / failed items / duplicates", $"{refused} / {requests} ({F(100.0 * refused / requests, "0.0")}%) / {failed} / {duplicates}", "-", "-", "<= 10% wasted" },
                };
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Process StartPwsh(string script, string folder, FakeHighwayServer fake, TimeSpan window)
    {
        string pwsh = Path.Combine(BenchHost.RepoRoot, "out", "pwsh", OperatingSystem.IsWindows() ? "pwsh.cmd" : "pwsh");
        var info = new ProcessStartInfo(pwsh) { UseShellExecute = false, RedirectStandardOutput = true, WorkingDirectory = folder };
        foreach (var arg in new[] { "-NoProfile", "-NonInteractive", "-File", script, "-Manifest", BenchHost.ModuleManifest, "-Folder", folder })
            info.ArgumentList.Add(arg);
        info.Environment["HIGHWAY_API_KEY"] = fake.Options.ApiKey;
        info.Environment["HIGHWAY_BASE_URI"] = fake.BaseUri.ToString();
        info.Environment["HIGHWAY_RATE_WINDOW_SECONDS"] = window.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        return Process.Start(info)!;
    }
}
