// The benchmark scenarios. Each returns table rows: figure, measured, baseline, ratio, target.
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Reflection.Emit;
using FakeHighway;
using HighwayHailuo.Tests;

namespace HighwayHailuo.Benchmarks;

internal static class Scenarios
{
    private static string F(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);

    private static string NewWorkDir() => Directory.CreateTempSubdirectory("hailuo-bench-").FullName;

    // ---- 7. Import-Module cost ----------------------------------------------------------------

    public static Task<IEnumerable<string[]>> ImportCostAsync(BenchOptions options)
    {
        string dir = NewWorkDir();
        string warm = EmptyBinaryModule(dir, "EmptyWarmup");
        string empty = EmptyBinaryModule(dir, "EmptyBaseline");
        using (var warmup = new BenchHost(dir, importModule: false))
            warmup.Run("Import-Module $args[0]", warm); // engine and binder warm, so only the module's own cost remains

        // First import in the process: the assembly is loaded and its cmdlets are discovered.
        double coldEmpty = TimeImport(dir, empty);
        double coldModule = TimeImport(dir, BenchHost.ModuleManifest);
        // Later imports (new runspaces): what every new runspace, thread job or runbook pays.
        var warmEmpty = Enumerable.Range(0, 15).Select(_ => TimeImport(dir, empty)).OrderBy(x => x).ToList();
        var warmModule = Enumerable.Range(0, 15).Select(_ => TimeImport(dir, BenchHost.ModuleManifest)).OrderBy(x => x).ToList();
        double medianEmpty = warmEmpty[warmEmpty.Count / 2], medianModule = warmModule[warmModule.Count / 2];
        return Task.FromResult<IEnumerable<string[]>>(new[]
        {
            new[] { "7. Import-Module, first in process (ms)", F(coldModule, "0.0"), F(coldEmpty, "0.0") + " (empty binary module)", F(coldModule / coldEmpty) + "x", "report" },
            new[] { "7. Import-Module, new runspace, median of 15 (ms)", F(medianModule, "0.0"), F(medianEmpty, "0.0") + " (empty binary module)", F(medianModule / medianEmpty) + "x", "report" },
        });
    }

    private static double TimeImport(string dir, string path)
    {
        using var host = new BenchHost(dir, importModule: false);
        var clock = Stopwatch.StartNew();
        host.Run("Import-Module $args[0] -ErrorAction Stop", path);
        return clock.Elapsed.TotalMilliseconds;
    }

    /// <summary>Writes a binary module with one public, empty type and nothing else.</summary>
    private static string EmptyBinaryModule(string dir, string name)
    {
        var builder = new PersistedAssemblyBuilder(new AssemblyName(name), typeof(object).Assembly);
        var module = builder.DefineDynamicModule(name);
        module.DefineType(name + ".Nothing", TypeAttributes.Public | TypeAttributes.Class).CreateType();
        string path = Path.Combine(dir, name + ".dll");
        builder.Save(path);
        return path;
    }

    // ---- 5. Download throughput ---------------------------------------------------------------

    public static async Task<IEnumerable<string[]>> DownloadThroughputAsync(BenchOptions options)
    {
        var fakeOptions = new FakeHighwayOptions { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(100), VideoBytes = options.DownloadBytes };
        await using var fake = await FakeHighwayServer.StartAsync(fakeOptions);
        string dir = NewWorkDir();
        TestImages.Write(dir, "big.png", TestImages.Png(400, 320));
        using var host = new BenchHost(dir);
        host.Run("Connect-Highway -ApiKey $args[0] -BaseUri $args[1]; $global:done = New-HailuoVideo big.png -Prompt p | Wait-HailuoTask -PollInterval 0.2", fake.Options.ApiKey, fake.BaseUri.ToString());
        var url = (Uri)host.Run("$done.VideoUrl")[0].BaseObject;

        using var bare = new HttpClient();
        var pairs = new List<(double Module, double Bare)>();
        for (int round = 0; round < 5; round++)
        {
            // Back-to-back pairs in alternating order, so neither side always runs on a warmer machine.
            double module, baseline;
            if (round % 2 == 0)
            {
                module = TimeModuleSave(host, round);
                baseline = await TimeBareCopyAsync(bare, url, Path.Combine(dir, $"bare-{round}.mp4"));
            }
            else
            {
                baseline = await TimeBareCopyAsync(bare, url, Path.Combine(dir, $"bare-{round}.mp4"));
                module = TimeModuleSave(host, round);
            }
            pairs.Add((module, baseline));
            foreach (var file in Directory.GetFiles(dir, "*.mp4", SearchOption.AllDirectories))
                File.Delete(file);
        }
        double mb = options.DownloadBytes / 1024.0 / 1024.0;
        double Median(IEnumerable<double> values) { var sorted = values.OrderBy(v => v).ToList(); return sorted[sorted.Count / 2]; }
        return new[]
        {
            new[] { $"5. Download {mb:0} MB, median of 5 pairs (MB/s)", F(mb / Median(pairs.Select(p => p.Module)), "0"),
                F(mb / Median(pairs.Select(p => p.Bare)), "0") + " (bare HttpClient copy)", F(Median(pairs.Select(p => p.Bare / p.Module))) + "x", ">= 0.90x" },
        };
    }

    private static double TimeModuleSave(BenchHost host, int round)
    {
        var clock = Stopwatch.StartNew();
        host.Run("$done | Save-HailuoVideo -Destination $args[0] | Out-Null", "module-" + round);
        return clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> TimeBareCopyAsync(HttpClient client, Uri url, string path)
    {
        var clock = Stopwatch.StartNew();
        using (var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead))
        {
            response.EnsureSuccessStatusCode();
            await using var source = await response.Content.ReadAsStreamAsync();
            await using var target = File.Create(path);
            await source.CopyToAsync(target);
        }
        return clock.Elapsed.TotalSeconds;
    }

    // ---- 3. Requests per task -----------------------------------------------------------------

    public static async Task<IEnumerable<string[]>> PollsPerTaskAsync(BenchOptions options)
    {
        // The same 60 s task life with and without the server's ETA, run side by side.
        var withEta = MeasurePollsAsync(reportEta: true);
        var withoutEta = MeasurePollsAsync(reportEta: false);
        var results = await Task.WhenAll(withEta, withoutEta);
        return results.SelectMany(r => r);
    }

    private static async Task<IEnumerable<string[]>> MeasurePollsAsync(bool reportEta)
    {
        const int tasks = 8;
        var life = TimeSpan.FromSeconds(60);
        var fakeOptions = new FakeHighwayOptions
        {
            QueuedFor = TimeSpan.FromSeconds(5), ProcessingFor = life - TimeSpan.FromSeconds(5),
            ReportEta = reportEta, ResultLatency = TimeSpan.FromMilliseconds(50),
        };
        await using var fake = await FakeHighwayServer.StartAsync(fakeOptions);
        string dir = NewWorkDir();
        for (int i = 0; i < tasks; i++)
            TestImages.Write(dir, $"p{i}.png", TestImages.Png(400, 320));
        var emitted = await Task.Run(() =>
        {
            using var host = new BenchHost(dir);
            return host.Run("""
                Connect-Highway -ApiKey $args[0] -BaseUri $args[1]
                [IO.Directory]::GetFiles($PWD.Path, '*.png') | New-HailuoVideo -Prompt p -ThrottleLimit 8 | Wait-HailuoTask |
                    ForEach-Object { '{0} {1}' -f $_.TaskId, [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() }
                """, fake.Options.ApiKey, fake.BaseUri.ToString()).Select(o => o.ToString()).ToList();
        });
        var polls = new List<int>();
        var delays = new List<double>();
        foreach (var line in emitted)
        {
            var parts = line.Split(' ');
            var task = fake.Task(parts[0])!;
            polls.Add(task.Polls);
            delays.Add((DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(parts[1], CultureInfo.InvariantCulture)) - task.EndsAt).TotalSeconds);
        }
        string label = reportEta ? "with ETA" : "progress only, no ETA";
        return new[]
        {
            new[] { $"3. Polls per 60 s task ({label}), mean / max of {tasks}", F(polls.Average(), "0.0") + " / " + polls.Max(), "-", "-", "<= 12" },
            new[] { $"3. Delay from task end to output ({label}), mean / max", F(delays.Average(), "0.0") + " s / " + F(delays.Max(), "0.0") + " s", F(life.TotalSeconds, "0") + " s task life", F(delays.Max() / life.TotalSeconds * 100, "0.0") + "% (max)", "<= 10%" },
        };
    }

    // ---- Shared by the batch scenarios (1 and 2) ----------------------------------------------

    public static readonly TimeSpan SubmitLatency = TimeSpan.FromMilliseconds(300);
    public const long BatchVideoBytes = 2L * 1024 * 1024;

    /// <summary>Task lives spread evenly over 8..15 s, fixed per image (its prompt is "img-NNNN") so an ideal can be computed.</summary>
    public static double LifeSeconds(int index) => 8 + 7 * ((index * 0.6180339887) % 1.0);

    public static FakeHighwayOptions BatchServer() => new()
    {
        SubmitLatency = SubmitLatency,
        ResultLatency = TimeSpan.FromMilliseconds(30),
        VideoBytes = BatchVideoBytes,
        TaskLife = s => (TimeSpan.Zero, TimeSpan.FromSeconds(LifeSeconds(int.Parse(s.Prompt.Substring(4), CultureInfo.InvariantCulture)))),
    };

    /// <summary>The user's pipeline over every img-*.png in the location, each image with its own prompt.</summary>
    public static string BatchPipeline(int throttle, string destination) => $$"""
        [IO.Directory]::GetFiles($PWD.Path, 'img-*.png') | ForEach-Object {
            [pscustomobject]@{ Path = $_; Prompt = [IO.Path]::GetFileNameWithoutExtension($_) }
        } | New-HailuoVideo -ThrottleLimit {{throttle}} | Wait-HailuoTask | Save-HailuoVideo -Destination {{destination}} -ThrottleLimit {{throttle}}
        """;

    // ---- 1. Batch time against the ideal schedule ----------------------------------------------

    public static async Task<IEnumerable<string[]>> BatchVersusIdealAsync(BenchOptions options)
    {
        int images = options.Images;
        const int throttle = 8;
        await using var fake = await FakeHighwayServer.StartAsync(BatchServer());
        string dir = NewWorkDir();
        for (int i = 0; i < images; i++)
            TestImages.Write(dir, $"img-{i:D4}.png", TestImages.Png(400, 320));

        // A bare download of one video, to give the ideal its transfer time.
        double downloadSeconds = await BareDownloadSecondsAsync(BatchVideoBytes);

        using var host = new BenchHost(dir);
        host.Run("Connect-Highway -ApiKey $args[0] -BaseUri $args[1]", fake.Options.ApiKey, fake.BaseUri.ToString());
        var clock = Stopwatch.StartNew();
        var saved = host.Run(BatchPipeline(throttle, "./videos"));
        double measured = clock.Elapsed.TotalSeconds;
        if (saved.Count != images)
            throw new InvalidOperationException($"Expected {images} videos, saved {saved.Count}.");

        // The lower bound: submissions in file order through `throttle` lanes of `submitLatency`
        // each, then each task's own life, then its download; the batch ends with the last one.
        var order = Directory.GetFiles(dir, "img-*.png").Select(p => int.Parse(Path.GetFileNameWithoutExtension(p)[4..], CultureInfo.InvariantCulture)).OrderBy(i => i).ToList();
        double ideal = order.Select((index, rank) => (rank / throttle + 1) * SubmitLatency.TotalSeconds + LifeSeconds(index) + downloadSeconds).Max();
        int polls = fake.ResultRequestCount;
        return new[]
        {
            new[] { $"1. {images} images, New, Wait, Save at ThrottleLimit {throttle} (s)", F(measured, "0.0"), F(ideal, "0.0") + " (ideal schedule)", F(measured / ideal) + "x", "<= 1.15x" },
            new[] { "1. task-result requests per task in that batch", F((double)polls / images, "0.0"), "-", "-", "report" },
        };
    }

    /// <summary>The best of three bare HttpClient downloads of a video of this size from a FakeHighway.</summary>
    private static async Task<double> BareDownloadSecondsAsync(long bytes)
    {
        await using var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(50), VideoBytes = bytes });
        string dir = NewWorkDir();
        TestImages.Write(dir, "probe.png", TestImages.Png(400, 320));
        using var host = new BenchHost(dir);
        var url = (Uri)host.Run("Connect-Highway -ApiKey $args[0] -BaseUri $args[1]; New-HailuoVideo probe.png -Prompt p | Wait-HailuoTask -PollInterval 0.2 | ForEach-Object VideoUrl",
            fake.Options.ApiKey, fake.BaseUri.ToString())[0].BaseObject;
        using var client = new HttpClient();
        var times = new List<double>();
        for (int i = 0; i < 3; i++)
            times.Add(await TimeBareCopyAsync(client, url, Path.Combine(dir, $"probe-{i}.mp4")));
        return times.Min();
    }
}
