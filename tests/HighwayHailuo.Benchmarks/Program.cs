// Scenario benchmarks for HighwayHailuo. Every figure is a ratio between two things measured in
// the same run (against a lower bound computed from the server's own timings, or against a
// baseline client), so it holds on a noisy machine.
//
//   dotnet run -c Release --project tests/HighwayHailuo.Benchmarks -- [--images 500] [--rate-images 150] [--rate-window 60] [--scale-sizes 100,1000,5000] [--scale-repeat 3]
//       [--journal-images 200] [--only import,download,polls,memory,batch,baselines,ratelimit,processes,scale,journal]
using System.Diagnostics;
using System.Globalization;
using HighwayHailuo.Benchmarks;

if (args.Length == 5 && args[0] == "--child-memory")
    return await MemoryScenario.ChildAsync(args[1], args[2], args[3], args[4]);
if (args.Length == 5 && args[0] == "--child-bare")
    return await ScaleScenario.BareChildAsync(args[1], args[2], args[3], args[4]);

var options = BenchOptions.Parse(args);
Console.WriteLine($"HighwayHailuo benchmarks: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
Console.WriteLine($"module: {BenchHost.ModuleManifest}");
Console.WriteLine();

var rows = new List<string[]>();
var clock = Stopwatch.StartNew();
foreach (var (name, run) in new (string, Func<BenchOptions, Task<IEnumerable<string[]>>>)[]
{
    ("import", Scenarios.ImportCostAsync),
    ("download", Scenarios.DownloadThroughputAsync),
    ("polls", Scenarios.PollsPerTaskAsync),
    ("memory", MemoryScenario.RunAsync),
    ("batch", Scenarios.BatchVersusIdealAsync),
    ("baselines", BaselineScenario.RunAsync),
    ("ratelimit", RateLimitScenario.RunAsync),
    ("processes", ProcessesRateLimitScenario.RunAsync),
    ("scale", ScaleScenario.RunAsync),
    ("journal", JournalScenario.RunAsync),
})
{
    if (options.Only.Count > 0 && !options.Only.Contains(name))
        continue;
    Console.WriteLine($"running {name} ...");
    var scenarioClock = Stopwatch.StartNew();
    var produced = (await run(options)).ToList();
    rows.AddRange(produced);
    foreach (var row in produced)
        Console.WriteLine("  " + string.Join(" | ", row));
    Console.WriteLine($"  ({scenarioClock.Elapsed.TotalSeconds:0} s)");
}

Console.WriteLine();
Console.WriteLine("| Figure | Measured | Baseline | Ratio | Target |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var row in rows)
    Console.WriteLine("| " + string.Join(" | ", row) + " |");
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"total {clock.Elapsed.TotalSeconds:0} s"));
return 0;

internal sealed class BenchOptions
{
    public int Images { get; private set; } = 500;
    public HashSet<string> Only { get; } = new(StringComparer.OrdinalIgnoreCase);
    public long DownloadBytes { get; private set; } = 200L * 1024 * 1024;
    public int RateImages { get; private set; } = 150;
    public double RateWindowSeconds { get; private set; } = 60;
    public List<int> ScaleSizes { get; private set; } = new() { 100, 1000, 5000 };
    public int ScaleRepeat { get; private set; } = 3;
    public int JournalImages { get; private set; } = 200;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--images": options.Images = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--download-mb": options.DownloadBytes = long.Parse(args[++i], CultureInfo.InvariantCulture) * 1024 * 1024; break;
                case "--rate-images": options.RateImages = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rate-window": options.RateWindowSeconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--scale-repeat": options.ScaleRepeat = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--scale-sizes": options.ScaleSizes = args[++i].Split(',').Select(s => int.Parse(s.Trim(), CultureInfo.InvariantCulture)).ToList(); break;
                case "--journal-images": options.JournalImages = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--only": foreach (var s in args[++i].Split(',')) options.Only.Add(s.Trim()); break;
                default: throw new ArgumentException($"Unknown option {args[i]}. Options: --images N, --download-mb N, --rate-images N, --rate-window SECONDS (processes), --scale-sizes N,N,N, --scale-repeat N, --journal-images N, --only import,download,polls,memory,batch,baselines,ratelimit,processes,scale,journal");
            }
        }
        return options;
    }
}
