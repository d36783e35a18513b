// 6. Under 429 pressure: the server accepts at most 60 submissions in any 60 s and answers 429
// (without Retry-After, as the real API may) beyond that. The figure is the achieved submission
// rate against the best the limit allows for the same batch: a sliding window lets the k-th
// submission (0-based) in no earlier than floor(k / limit) windows after the first, so N images
// take at least floor((N - 1) / limit) windows from the first acceptance to the last.
using System.Diagnostics;
using System.Globalization;
using FakeHighway;
using HighwayHailuo.Tests;

namespace HighwayHailuo.Benchmarks;

internal static class RateLimitScenario
{
    private static string F(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);

    public static async Task<IEnumerable<string[]>> RunAsync(BenchOptions options)
    {
        int images = options.RateImages;
        const int limit = 60;
        if (images <= limit)
            throw new ArgumentException($"--rate-images must be more than the limit ({limit}) for the limit to bite.");
        var window = TimeSpan.FromSeconds(60);
        var fakeOptions = new FakeHighwayOptions
        {
            SubmitLatency = Scenarios.SubmitLatency,
            SubmitRateLimit = limit,
            SubmitRateWindow = window,
        };
        await using var fake = await FakeHighwayServer.StartAsync(fakeOptions);
        string dir = Directory.CreateTempSubdirectory("hailuo-bench-").FullName;
        for (int i = 0; i < images; i++)
            TestImages.Write(dir, $"r-{i:D4}.png", TestImages.Png(400, 320 + i % 400)); // distinct images, so duplicates can be counted

        using var host = new BenchHost(dir);
        host.Run("Connect-Highway -ApiKey $args[0] -BaseUri $args[1]", fake.Options.ApiKey, fake.BaseUri.ToString());
        var clock = Stopwatch.StartNew();
        // Failures are counted, not thrown: an item that gave up is part of the figure.
        var counts = host.Run("""
            $tasks = [IO.Directory]::GetFiles($PWD.Path, 'r-*.png') | New-HailuoVideo -Prompt p -ThrottleLimit 8 -ErrorAction SilentlyContinue -ErrorVariable failed
            @($tasks).Count; @($failed).Count
            """);
        double elapsed = clock.Elapsed.TotalSeconds;
        int submitted = (int)counts[0].BaseObject, failed = (int)counts[1].BaseObject;

        var accepted = fake.Requests.Where(r => r.Method == "POST" && r.Status == 200).Select(r => r.Received).OrderBy(t => t).ToList();
        int duplicates = fake.Submissions.Count - fake.Submissions.Select(s => s.ImageSha256).Distinct().Count();
        double span = (accepted[^1] - accepted[0]).TotalSeconds;
        double idealSpan = (images - 1) / limit * window.TotalSeconds;
        var perWindow = Enumerable.Range(0, (int)Math.Ceiling(span / window.TotalSeconds) + 1)
            .Select(w => accepted.Count(t => (t - accepted[0]).TotalSeconds >= w * window.TotalSeconds && (t - accepted[0]).TotalSeconds < (w + 1) * window.TotalSeconds))
            .Where(n => n > 0);
        // When each 429 came, against the first acceptance: the first burst's (submissions already in
        // flight when the limit was met) and then the probes, about one a window.
        var refusals = fake.Requests.Where(r => r.Method == "POST" && r.Status == 429).Select(r => F((r.Received - accepted[0]).TotalSeconds, "0.0"));
        Console.WriteLine($"      429s at (s after the first acceptance): {string.Join(", ", refusals)}");
        if (submitted + failed != images)
            throw new InvalidOperationException($"{images} images gave {submitted} tasks and {failed} errors.");
        return new[]
        {
            // The same submissions over a longer span is a proportionally lower rate: rate ratio = ideal span / span.
            new[] { $"6. {images} submissions under a {limit}/min limit, no Retry-After: first to last acceptance (s)", F(span, "0.0"), F(idealSpan, "0.0") + " (the limit's minimum)", F(idealSpan / span) + "x of the allowed rate", ">= 0.9x" },
            new[] { "6. 429s taken / failed items / duplicate submissions", $"{fake.RateLimitedSubmits} / {failed} / {duplicates}", "-", "-", "report" },
            new[] { "6. accepted per minute window; whole call", string.Join(", ", perWindow) + "; " + F(elapsed, "0") + " s", "-", "-", "report" },
        };
    }
}
