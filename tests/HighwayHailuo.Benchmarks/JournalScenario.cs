// 10. What a journal costs per image: the same batch of submissions through New-HailuoVideo with no
// journal, a journal file, and a journal in an append blob (Azurite on loopback), each on a fresh
// FakeHighway whose submissions take 100 ms, in one hosted runspace; then the same command again,
// when the journal answers every image and nothing is sent. Figures are ratios to the run without
// a journal (or, for the rerun, to the file journal's), measured in the same run.
using System.Diagnostics;
using System.Globalization;
using FakeHighway;
using HighwayHailuo.Tests;
using HighwayHailuo.TestSupport;

namespace HighwayHailuo.Benchmarks;

internal static class JournalScenario
{
    private const int Throttle = 8;

    private static string F(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);

    public static async Task<IEnumerable<string[]>> RunAsync(BenchOptions options)
    {
        int images = options.JournalImages;
        string dir = Directory.CreateTempSubdirectory("hailuo-bench-journal-").FullName;
        using var azurite = AzuriteServer.Start();
        azurite.CreateContainer("journals");
        try
        {
            for (int i = 0; i < images; i++)
                TestImages.Write(dir, $"img-{i:D4}.png", TestImages.Png(400, 320 + i % 200));
            string blob = azurite.ContainerSasUrl("journals", "bench-" + Guid.NewGuid().ToString("N") + ".jsonl");

            double none = await SubmitSecondsAsync(dir, images, null);
            double file = await SubmitSecondsAsync(dir, images, Path.Combine(dir, "bench.jsonl"));
            double inBlob = await SubmitSecondsAsync(dir, images, blob);
            double fileRerun = await SubmitSecondsAsync(dir, images, Path.Combine(dir, "bench.jsonl"), rerun: true);
            double blobRerun = await SubmitSecondsAsync(dir, images, blob, rerun: true);
            return new[]
            {
                new[] { $"10. {images} submissions, no journal (s)", F(none, "0.0"), "-", "1.00x", "baseline" },
                new[] { $"10. the same with a journal file (s)", F(file, "0.0"), F(none, "0.0") + " (no journal)", F(file / none) + "x", "report" },
                new[] { $"10. the same with a blob journal on Azurite (s)", F(inBlob, "0.0"), F(none, "0.0") + " (no journal)", F(inBlob / none) + "x", "report" },
                new[] { $"10. rerun, every image answered by the blob journal (ms per image)", F(blobRerun * 1000 / images, "0.0"), F(fileRerun * 1000 / images, "0.0") + " (journal file)", F(blobRerun / fileRerun) + "x", "report" },
            };
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<double> SubmitSecondsAsync(string dir, int images, string? journal, bool rerun = false)
    {
        await using var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions
        {
            SubmitLatency = TimeSpan.FromMilliseconds(100), QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromSeconds(1),
        });
        using var host = new BenchHost(dir);
        host.Run("Connect-Highway -ApiKey $args[0] -BaseUri $args[1]", fake.Options.ApiKey, fake.BaseUri.ToString());
        string script = journal == null
            ? $"Get-ChildItem img-*.png | New-HailuoVideo -Prompt bench -ThrottleLimit {Throttle}"
            : $"Get-ChildItem img-*.png | New-HailuoVideo -Prompt bench -ThrottleLimit {Throttle} -Journal $args[0]";
        var clock = Stopwatch.StartNew();
        var tasks = host.Run(script, journal);
        double seconds = clock.Elapsed.TotalSeconds;
        if (tasks.Count != images)
            throw new InvalidOperationException($"Expected {images} tasks, got {tasks.Count}.");
        if (fake.Submissions.Count != (rerun ? 0 : images))
            throw new InvalidOperationException($"Expected {(rerun ? 0 : images)} submissions, the server took {fake.Submissions.Count}.");
        return seconds;
    }
}
