// Runs FakeHighway standalone so a user (or the Pester suite) can try the module offline:
//   dotnet run --project tests/FakeHighway -- [--port 5080] [--video-port 5081] [--key KEY] [--task-seconds 8]
//   [--submit-rate 60/60] [--answer-latency 1.5]
// It prints the base URI and key, then serves until Ctrl+C or until stdin closes when --until-stdin-closes is given.
using System.Globalization;
using FakeHighway;

var options = new FakeHighwayOptions
{
    ApiKey = "fake-highway-key-0123456789", // the key the README's offline tour types
    QueuedFor = TimeSpan.FromSeconds(2),
    ProcessingFor = TimeSpan.FromSeconds(6),
    VideoBytes = 256 * 1024,
};
int apiPort = 5080, videoPort = 5081;
bool untilStdinCloses = false;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--port": apiPort = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--video-port": videoPort = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--key": options.ApiKey = Next(); break;
        case "--task-seconds":
            double seconds = double.Parse(Next(), CultureInfo.InvariantCulture);
            options.QueuedFor = TimeSpan.FromSeconds(seconds / 4);
            options.ProcessingFor = TimeSpan.FromSeconds(seconds * 3 / 4);
            break;
        case "--fail-when-prompt-contains":
            string marker = Next();
            options.FailWhen = s => s.Prompt.Contains(marker, StringComparison.Ordinal) ? "ILLEGAL_IMAGE_CONTENT: refused by the content policy" : null;
            break;
        case "--submit-rate": // N/SECONDS, e.g. 60/60: at most N submissions in any SECONDS, 429 beyond
            string[] rate = Next().Split('/');
            options.SubmitRateLimit = int.Parse(rate[0], CultureInfo.InvariantCulture);
            options.SubmitRateWindow = TimeSpan.FromSeconds(double.Parse(rate.Length > 1 ? rate[1] : "60", CultureInfo.InvariantCulture));
            break;
        case "--answer-latency": // seconds between creating a task and answering
            options.AnswerLatency = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture));
            break;
        case "--until-stdin-closes": untilStdinCloses = true; break;
        default:
            Console.Error.WriteLine($"Unknown option {args[i]}. Options: --port N --video-port N --key KEY --task-seconds S --fail-when-prompt-contains TEXT --submit-rate N/SECONDS --answer-latency S --until-stdin-closes");
            return 2;
    }
}

await using var server = await FakeHighwayServer.StartAsync(options, apiPort, videoPort);
Console.WriteLine($"FakeHighway API:   {server.BaseUri}");
Console.WriteLine($"FakeHighway video: {server.VideoBaseUri}");
Console.WriteLine($"API key:           {options.ApiKey}");
Console.WriteLine($"Try: Connect-Highway -ApiKey '{options.ApiKey}' -BaseUri {server.BaseUri}");
Console.WriteLine($"Stats: {server.BaseUri}_fake/stats");
Console.Out.Flush();

var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
if (untilStdinCloses)
    _ = Task.Run(() => { while (Console.In.ReadLine() != null) { } stop.TrySetResult(); });
await stop.Task;
return 0;
