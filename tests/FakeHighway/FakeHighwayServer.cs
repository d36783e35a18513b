// A loopback stand-in for the Highway API (submit + task-result) and, on a second port, for the
// storage host that serves the videos. It checks the key and the body as the real service does,
// scripts each task's life, and records every request so tests can assert what was and was not sent.
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FakeHighway;

public sealed class FakeHighwayServer : IAsyncDisposable
{
    public const string SubmitPath = "/v3/async/minimax-hailuo-2.3-i2v";
    public const string SubmitPrefix = "/v3/async/";
    public const string ResultPath = "/v3/async/task-result";

    /// <summary>
    /// The four Hailuo endpoints with the fields each takes (Highway's model reference pages), whether
    /// "image" is required, and the lengths and resolutions each makes. A field an endpoint does not
    /// take is a 400, as a strict server answers. This table plays the provider's, so it is written out
    /// on its own; a unit test (FakeHighwayAgreesWithTheModelTable) holds it equal to the module's.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (string[] Fields, bool ImageRequired, string TaskType, (int Seconds, string Resolution)[] Formats)> Endpoints =
        new Dictionary<string, (string[], bool, string, (int, string)[])>
        {
            ["minimax-hailuo-2.3-i2v"] = (new[] { "prompt", "image", "duration", "resolution", "enable_prompt_expansion", "fast_pretreatment" }, true, "MINIMAX_HAILUO_2_3_I2V", HailuoFormats),
            ["minimax-hailuo-2.3-fast-i2v"] = (new[] { "prompt", "image", "duration", "resolution", "enable_prompt_expansion" }, true, "MINIMAX_HAILUO_2_3_FAST_I2V", HailuoFormats),
            ["minimax-hailuo-2.3-t2v"] = (new[] { "prompt", "duration", "resolution", "enable_prompt_expansion", "fast_pretreatment" }, false, "MINIMAX_HAILUO_2_3_T2V", HailuoFormats),
            ["minimax-hailuo-02"] = (new[] { "prompt", "image", "end_image", "duration", "resolution", "enable_prompt_expansion", "fast_pretreatment" }, false, "MINIMAX_HAILUO_02", HailuoFormats),
        };

    // Every Hailuo page: 6 or 10 seconds, 768P or 1080P, 10 seconds at 768P only.
    private static (int, string)[] HailuoFormats => [(6, "768P"), (10, "768P"), (6, "1080P")];

    private static readonly Regex s_dataUri = new(@"^data:(image/(?:jpeg|jpg|png|webp));base64,(.*)$", RegexOptions.Singleline | RegexOptions.CultureInvariant);

    private readonly WebApplication _api;
    private readonly WebApplication _video;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, FakeTask> _tasks = new();
    private readonly ConcurrentQueue<SubmitRecord> _submissions = new();
    private int _taskCounter;

    private FakeHighwayServer(FakeHighwayOptions options, WebApplication api, WebApplication video)
    {
        Options = options;
        _api = api;
        _video = video;
    }

    public FakeHighwayOptions Options { get; }
    public FaultScript Faults { get; } = new();
    public Uri BaseUri { get; private set; } = null!;
    public Uri VideoBaseUri { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();
    public IReadOnlyList<SubmitRecord> Submissions => _submissions.ToArray();

    /// <summary>Whether every task created so far has ended (succeeded or failed), by the server's own clock.</summary>
    public bool AllTasksEnded => _tasks.Values.All(t => DateTimeOffset.UtcNow >= t.EndsAt);
    public int SubmitRequestCount => _requests.Count(r => r.Host == "api" && r.Method == "POST");
    public int ResultRequestCount => _requests.Count(r => r.Host == "api" && r.Method == "GET");
    public int VideoRequestCount => _requests.Count(r => r.Host == "video");

    /// <summary>Tasks in flight right now: the most submissions the server saw at once.</summary>
    public int MaxConcurrentSubmits => _maxConcurrentSubmits;
    private int _concurrentSubmits;
    private int _maxConcurrentSubmits;

    /// <summary>The most task-result requests this server was answering at one moment.</summary>
    public int MaxConcurrentResults => _maxConcurrentResults;
    private int _concurrentResults;
    private int _maxConcurrentResults;

    /// <summary>Submissions refused by the rate limit (<see cref="FakeHighwayOptions.SubmitRateLimit"/>).</summary>
    public int RateLimitedSubmits => _rateLimitedSubmits;
    private int _rateLimitedSubmits;
    private readonly Dictionary<string, Queue<DateTimeOffset>> _rateWindows = new(StringComparer.Ordinal); // per endpoint: arrival times the limit counted

    public static async Task<FakeHighwayServer> StartAsync(FakeHighwayOptions? options = null, int apiPort = 0, int videoPort = 0)
    {
        options ??= new FakeHighwayOptions();
        FakeHighwayServer? server = null;
        var api = Build(apiPort, app => app.Run(ctx => server!.HandleApiAsync(ctx)));
        var video = Build(videoPort, app => app.Run(ctx => server!.HandleVideoAsync(ctx)));
        server = new FakeHighwayServer(options, api, video);
        await api.StartAsync();
        await video.StartAsync();
        server.BaseUri = new Uri(Address(api));
        server.VideoBaseUri = new Uri(Address(video));
        return server;
    }

    private static WebApplication Build(int port, Action<WebApplication> configure)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = 64L * 1024 * 1024;
        });
        var app = builder.Build();
        configure(app);
        return app;
    }

    private static string Address(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return address.Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1").TrimEnd('/') + "/";
    }

    public FakeTask? Task(string id) => _tasks.TryGetValue(id, out var t) ? t : null;

    /// <summary>How many accepted submissions carried this image (by SHA-256 of its bytes).</summary>
    public int SubmissionsOf(string sha256) => _submissions.Count(s => s.ImageSha256 == sha256);

    /// <summary>Makes every video link handed out so far expire now.</summary>
    public void ExpireVideoLinks()
    {
        foreach (var task in _tasks.Values)
            task.LinksValidFrom = DateTimeOffset.UtcNow.AddMilliseconds(1);
    }

    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _api.StopAsync(deadline.Token);
        await _video.StopAsync(deadline.Token);
        await _api.DisposeAsync();
        await _video.DisposeAsync();
    }

    // ---- API host ----------------------------------------------------------------------------

    private async Task HandleApiAsync(HttpContext ctx)
    {
        var request = ctx.Request;
        var received = DateTimeOffset.UtcNow;
        string? auth = request.Headers.Authorization.Count > 0 ? request.Headers.Authorization.ToString() : null;
        long bodyBytes = 0;
        int status = 0;
        if (request.Path.StartsWithSegments(AdminPath))
        {
            await AdminAsync(ctx);
            return; // admin calls are not part of the record
        }
        try
        {
            if (request.Method == "POST" && request.Path.StartsWithSegments(SubmitPrefix.TrimEnd('/'), out var rest)
                && Endpoints.ContainsKey(rest.Value?.TrimStart('/') ?? ""))
            {
                int now = Interlocked.Increment(ref _concurrentSubmits);
                InterlockedMax(ref _maxConcurrentSubmits, now);
                try
                {
                    (status, bodyBytes) = await SubmitAsync(ctx, rest.Value!.TrimStart('/'));
                }
                finally
                {
                    Interlocked.Decrement(ref _concurrentSubmits);
                }
            }
            else if (request.Method == "GET" && request.Path == ResultPath)
            {
                InterlockedMax(ref _maxConcurrentResults, Interlocked.Increment(ref _concurrentResults));
                try
                {
                    status = await ResultAsync(ctx);
                }
                finally
                {
                    Interlocked.Decrement(ref _concurrentResults);
                }
            }
            else
                status = await ErrorAsync(ctx, 404, "API_NOT_FOUND", "No such API.");
        }
        finally
        {
            _requests.Enqueue(new RecordedRequest("api", request.Method, request.Path + request.QueryString, auth, bodyBytes, status, DateTimeOffset.UtcNow, received));
        }
    }

    private async Task<(int Status, long BodyBytes)> SubmitAsync(HttpContext ctx, string endpoint)
    {
        Faults.Submit.TryDequeue(out var fault);
        if (fault is { Kind: FaultKind.DropDuringUpload })
        {
            // Take a little of the body, then hang up: the server never had a whole request.
            var part = new byte[1024];
            int got = await ctx.Request.Body.ReadAsync(part, ctx.RequestAborted);
            ctx.Abort();
            return (0, got);
        }

        // Read the whole body first, as a real server does before it acts.
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        long bodyBytes = buffer.Length;

        if (fault is { Kind: FaultKind.Delay })
        {
            await System.Threading.Tasks.Task.Delay(fault.Delay, ctx.RequestAborted);
            fault = null;
        }
        if (Options.SubmitLatency > TimeSpan.Zero)
            await System.Threading.Tasks.Task.Delay(Options.SubmitLatency, ctx.RequestAborted);

        if (fault != null && !ActsAfterCreate(fault))
            return (await ApplyFaultAsync(ctx, fault), bodyBytes);

        if (CheckKey(ctx.Request) is (int code, string reason, string message))
            return (await ErrorAsync(ctx, code, reason, message), bodyBytes);
        if (!TakeRateSlot(endpoint))
        {
            Interlocked.Increment(ref _rateLimitedSubmits);
            if (Options.RateLimitRetryAfter)
                ctx.Response.Headers.RetryAfter = Math.Ceiling(Options.SubmitRateWindow.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return (await ErrorAsync(ctx, 429, "RATE_LIMIT_EXCEEDED", "rate limit exceeded"), bodyBytes);
        }

        SubmitRecord record;
        try
        {
            record = ParseSubmission(endpoint, buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        }
        catch (BadRequest bad)
        {
            return (await ErrorAsync(ctx, 400, bad.Reason, bad.Message), bodyBytes);
        }

        // UUID-shaped like the real service's ids (36 characters), with the submission count in front so ids sort in order.
        string id = Interlocked.Increment(ref _taskCounter).ToString("x8", CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("D")[8..];
        record.TaskId = id;
        var life = Options.TaskLife?.Invoke(record) ?? (Options.QueuedFor, Options.ProcessingFor);
        _tasks[id] = new FakeTask(id, record, DateTimeOffset.UtcNow, life.Item1, life.Item2, Options.FailWhen?.Invoke(record));
        _submissions.Enqueue(record);
        if (Options.AnswerLatency > TimeSpan.Zero)
            await System.Threading.Tasks.Task.Delay(Options.AnswerLatency, ctx.RequestAborted);

        if (fault is { Kind: FaultKind.AnswerTaskId })
            return (await JsonAsync(ctx, 200, new Dictionary<string, object?> { ["task_id"] = fault.TaskId }), bodyBytes);
        if (fault is { Kind: FaultKind.Trickle })
            return (await JsonAsync(ctx, 200, new Dictionary<string, object?> { ["task_id"] = id }, fault.Delay), bodyBytes);
        if (fault != null)
            return (await ApplyFaultAsync(ctx, fault), bodyBytes);
        return (await JsonAsync(ctx, 200, new Dictionary<string, object?> { ["task_id"] = id }), bodyBytes);
    }

    // The faults a submission meets after its task exists (so it is billed, whatever the client hears).
    private static bool ActsAfterCreate(Fault fault) =>
        fault.Kind is FaultKind.StatusAfterCreate or FaultKind.DropAfterCreate or FaultKind.AnswerTaskId or FaultKind.Trickle;

    // A sliding window per endpoint, as the service limits each model on its own: at most
    // SubmitRateLimit counted submissions in any SubmitRateWindow.
    private bool TakeRateSlot(string endpoint)
    {
        if (Options.SubmitRateLimit <= 0)
            return true;
        lock (_rateWindows)
        {
            if (!_rateWindows.TryGetValue(endpoint, out var window))
                _rateWindows[endpoint] = window = new Queue<DateTimeOffset>();
            var now = DateTimeOffset.UtcNow;
            while (window.Count > 0 && now - window.Peek() >= Options.SubmitRateWindow)
                window.Dequeue();
            if (window.Count >= Options.SubmitRateLimit)
                return false;
            window.Enqueue(now);
            return true;
        }
    }

    private async Task<int> ResultAsync(HttpContext ctx)
    {
        if (Faults.Result.TryDequeue(out var fault))
        {
            if (fault.Kind == FaultKind.Delay)
                await System.Threading.Tasks.Task.Delay(fault.Delay, ctx.RequestAborted);
            else if (fault.Kind is not (FaultKind.Trickle or FaultKind.TaskAnswer))
                return await ApplyFaultAsync(ctx, fault);
        }
        if (Options.ResultLatency > TimeSpan.Zero)
            await System.Threading.Tasks.Task.Delay(Options.ResultLatency, ctx.RequestAborted);
        if (CheckKey(ctx.Request) is (int code, string keyReason, string message))
            return await ErrorAsync(ctx, code, keyReason, message);

        string id = ctx.Request.Query["task_id"].ToString();
        if (string.IsNullOrEmpty(id))
            return await ErrorAsync(ctx, 400, "INVALID_REQUEST_BODY", "task_id is required");
        if (!_tasks.TryGetValue(id, out var task))
            return await ErrorAsync(ctx, 404, "TASK_NOT_FOUND", "task not found");

        task.Polls++;
        var now = DateTimeOffset.UtcNow;
        var (status, progress, eta, reason) = task.StateAt(now);
        if (fault is { Kind: FaultKind.TaskAnswer })
            (status, reason) = (fault.TaskStatus ?? status, fault.TaskReason ?? reason);
        string Num(long n) => n.ToString(CultureInfo.InvariantCulture);
        object NumberOrString(long n) => Options.NumbersAsStrings ? Num(n) : n;

        var videos = new List<object>();
        if (status == "TASK_STATUS_SUCCEED")
        {
            long expires = now.AddSeconds(Options.VideoUrlTtlSeconds).ToUnixTimeMilliseconds();
            videos.Add(new Dictionary<string, object?>
            {
                ["video_url"] = $"{VideoBaseUri}videos/{Uri.EscapeDataString(id)}.mp4?expires={expires}&sig=fake",
                ["video_url_ttl"] = NumberOrString(Options.VideoUrlTtlSeconds),
                ["video_type"] = Options.VideoType,
            });
        }
        var debugInfo = new Dictionary<string, object?>
        {
            ["request_info"] = "fake",
            ["submit_time_ms"] = NumberOrString(task.CreatedAt.ToUnixTimeMilliseconds()),
        };
        if (status is "TASK_STATUS_SUCCEED" or "TASK_STATUS_FAILED")
            debugInfo["complete_time_ms"] = NumberOrString(task.EndsAt.ToUnixTimeMilliseconds());

        var taskJson = new Dictionary<string, object?>
        {
            ["task_id"] = id,
            ["task_type"] = Endpoints[task.Submission.Endpoint].TaskType,
            ["status"] = status,
            ["reason"] = reason ?? "",
            ["progress_percent"] = progress,
            ["some_future_field"] = new { nested = true },
        };
        if (Options.ReportEta && eta is int e)
            taskJson["eta"] = e;
        var body = new Dictionary<string, object?>
        {
            ["task"] = taskJson,
            ["videos"] = videos,
            ["images"] = Array.Empty<object>(),
            ["audios"] = Array.Empty<object>(),
            ["extra"] = new Dictionary<string, object?> { ["seed"] = "4242", ["debug_info"] = debugInfo },
        };
        return await JsonAsync(ctx, 200, body, fault is { Kind: FaultKind.Trickle } ? fault.Delay : null);
    }

    // ---- Admin (for out-of-process tests such as the Pester suite) ---------------------------
    //   GET  /_fake/stats                 counts of what was received
    //   GET  /_fake/log?from=N            request counts, and the accepted submissions from index N, every field
    //   POST /_fake/faults/{submit|result|video}   {"kind":"Status","status":429,"reason":null,"retryAfter":0,"times":2}
    //   POST /_fake/expire-links          makes every video link handed out so far expire
    //   POST /_fake/faults/clear          drops every fault still queued
    //   GET  /_fake/fault-modes           the catalogue of hostile behaviours (FaultModes)
    //   POST /_fake/fault-modes/{name}/{submit|result|video}   queues one of them

    public const string AdminPath = "/_fake";

    private async Task AdminAsync(HttpContext ctx)
    {
        string path = ctx.Request.Path.Value ?? "";
        if (ctx.Request.Method == "GET" && path == AdminPath + "/stats")
        {
            var requests = Requests;
            await JsonAsync(ctx, 200, new Dictionary<string, object?>
            {
                ["submitRequests"] = SubmitRequestCount,
                ["resultRequests"] = ResultRequestCount,
                ["videoRequests"] = VideoRequestCount,
                ["acceptedSubmissions"] = Submissions.Count,
                ["rateLimitedSubmits"] = RateLimitedSubmits,
                ["maxSubmissionsPerImage"] = Submissions.Count == 0 ? 0 : Submissions
                    .GroupBy(s => (s.Endpoint, s.ImageSha256 ?? s.ImageUrl, s.EndImageSha256 ?? s.EndImageUrl, s.Prompt, s.Duration, s.Resolution, s.EnablePromptExpansion, s.FastPretreatment))
                    .Max(g => g.Count()),
                ["videoRangeRequests"] = requests.Count(r => r.Host == "video" && r.Range != null),
                ["videoRequestsWithAuthorization"] = requests.Count(r => r.Host == "video" && r.Authorization != null),
                ["apiRequestsWithoutKey"] = requests.Count(r => r.Host == "api" && r.Authorization != "Bearer " + Options.ApiKey),
                ["prompts"] = Submissions.Select(s => s.Prompt).ToArray(),
                ["durations"] = Submissions.Select(s => s.Duration).ToArray(),
                ["resolutions"] = Submissions.Select(s => s.Resolution).ToArray(),
                ["endpoints"] = Submissions.Select(s => s.Endpoint).ToArray(),
                ["fields"] = Submissions.Select(s => string.Join(",", s.Fields)).ToArray(),
                ["endImages"] = Submissions.Select(s => s.EndImageSha256 ?? s.EndImageUrl).ToArray(),
            });
            return;
        }
        if (ctx.Request.Method == "GET" && path == AdminPath + "/log")
        {
            // What arrived since a test last looked: every request counted, and the accepted
            // submissions from index "from" on, each with its endpoint and every field as parsed.
            int from = int.TryParse(ctx.Request.Query["from"], NumberStyles.None, CultureInfo.InvariantCulture, out int f) ? f : 0;
            var requests = Requests;
            await JsonAsync(ctx, 200, new Dictionary<string, object?>
            {
                ["requests"] = requests.Count,
                ["apiRequests"] = requests.Count(r => r.Host == "api"),
                ["videoRequests"] = requests.Count(r => r.Host == "video"),
                ["submissionCount"] = Submissions.Count,
                ["pendingFaults"] = Faults.Submit.Count + Faults.Result.Count + Faults.Video.Count, // queued and not yet met

                ["submissions"] = Submissions.Skip(from).Select(s => new Dictionary<string, object?>
                {
                    ["endpoint"] = s.Endpoint, ["fields"] = s.Fields, ["prompt"] = s.Prompt,
                    ["imageKind"] = s.ImageKind, ["imageUrl"] = s.ImageUrl, ["imageSha256"] = s.ImageSha256,
                    ["endImageKind"] = s.EndImageKind, ["endImageUrl"] = s.EndImageUrl, ["endImageSha256"] = s.EndImageSha256,
                    ["duration"] = s.Duration, ["resolution"] = s.Resolution,
                    ["enablePromptExpansion"] = s.EnablePromptExpansion, ["fastPretreatment"] = s.FastPretreatment, ["taskId"] = s.TaskId,
                    // What a saved video of this task must hold, byte for byte.
                    ["videoSha256"] = s.TaskId == null ? null : Convert.ToHexString(SHA256.HashData(VideoContent.Expected(s.TaskId, Options.VideoBytes, Task(s.TaskId)?.Version ?? 1))),
                }).ToArray(),
            });
            return;
        }
        if (ctx.Request.Method == "GET" && path == AdminPath + "/fault-modes")
        {
            await JsonAsync(ctx, 200, FaultModes.All.Select(m => new Dictionary<string, object?>
            {
                ["name"] = m.Name, ["what"] = m.What, ["class"] = m.Class.ToString(), ["times"] = m.Times,
                ["requests"] = m.Requests.Select(FaultModes.Name).ToArray(),
            }).ToArray());
            return;
        }
        if (ctx.Request.Method == "POST" && path.StartsWith(AdminPath + "/fault-modes/", StringComparison.Ordinal))
        {
            // POST /_fake/fault-modes/{name}/{submit|result|video}: queue that mode's faults for that request.
            string[] parts = path[(AdminPath.Length + "/fault-modes/".Length)..].Split('/');
            var mode = parts.Length == 2 ? FaultModes.Find(parts[0]) : null;
            var kind = mode?.Requests.FirstOrDefault(r => FaultModes.Name(r) == parts[1]);
            if (mode == null || kind == null || !mode.Requests.Contains(kind.Value))
            {
                await ErrorAsync(ctx, 400, "INVALID_REQUEST_BODY", "unknown fault mode or request");
                return;
            }
            FaultScript.Add(kind switch { RequestKind.Submit => Faults.Submit, RequestKind.Result => Faults.Result, _ => Faults.Video }, mode.Make(Options.ApiKey), mode.Times);
            await JsonAsync(ctx, 200, new Dictionary<string, object?> { ["queued"] = mode.Times });
            return;
        }
        if (ctx.Request.Method == "POST" && path == AdminPath + "/faults/clear")
        {
            Faults.Submit.Clear();
            Faults.Result.Clear();
            Faults.Video.Clear();
            await JsonAsync(ctx, 200, new Dictionary<string, object?> { ["ok"] = true });
            return;
        }
        if (ctx.Request.Method == "POST" && path == AdminPath + "/expire-links")
        {
            ExpireVideoLinks();
            await JsonAsync(ctx, 200, new Dictionary<string, object?> { ["ok"] = true });
            return;
        }
        if (ctx.Request.Method == "POST" && path.StartsWith(AdminPath + "/faults/", StringComparison.Ordinal))
        {
            var queue = path[(AdminPath.Length + "/faults/".Length)..] switch
            {
                "submit" => Faults.Submit,
                "result" => Faults.Result,
                "video" => Faults.Video,
                _ => null,
            };
            using var doc = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
            var root = doc.RootElement;
            if (queue == null || !Enum.TryParse<FaultKind>(root.GetProperty("kind").GetString(), ignoreCase: true, out var kind))
            {
                await ErrorAsync(ctx, 400, "INVALID_REQUEST_BODY", "unknown fault endpoint or kind");
                return;
            }
            int Int(string name, int fallback) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : fallback;
            string? Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var fault = new Fault(kind, Int("status", 0), Str("reason"), Str("body"),
                root.TryGetProperty("retryAfter", out var ra) && ra.ValueKind == JsonValueKind.Number ? ra.GetInt32() : null,
                TimeSpan.FromMilliseconds(Int("delayMs", 0)));
            FaultScript.Add(queue, fault, Int("times", 1));
            await JsonAsync(ctx, 200, new Dictionary<string, object?> { ["queued"] = Int("times", 1) });
            return;
        }
        await ErrorAsync(ctx, 404, "API_NOT_FOUND", "unknown admin call");
    }

    private (int, string, string)? CheckKey(HttpRequest request)
    {
        string header = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
            return (400, "MISSING_API_KEY", "missing api key");
        if (header != "Bearer " + Options.ApiKey)
            return (403, "INVALID_API_KEY", "invalid api key");
        return null;
    }

    /// <summary>Validates a submission the way the real service documents it, for the endpoint it was sent to.</summary>
    private static SubmitRecord ParseSubmission(string endpoint, ReadOnlyMemory<byte> body)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new BadRequest("INVALID_REQUEST_BODY", "body is not JSON: " + ex.Message);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new BadRequest("INVALID_REQUEST_BODY", "body must be an object");
            var (documented, imageRequired, _, formats) = Endpoints[endpoint];
            var fields = root.EnumerateObject().Select(p => p.Name).ToList();
            var unknown = fields.Except(documented).ToList();
            if (unknown.Count > 0)
                throw new BadRequest("INVALID_REQUEST_BODY", $"{endpoint} does not take: " + string.Join(",", unknown));

            string prompt = root.TryGetProperty("prompt", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : throw new BadRequest("INVALID_REQUEST_BODY", "prompt is required");
            if (prompt.Length < 1 || prompt.Length > 2000)
                throw new BadRequest("INVALID_REQUEST_BODY", "prompt must be 1..2000 characters");
            string? image = root.TryGetProperty("image", out var i) ? (i.ValueKind == JsonValueKind.String ? i.GetString()! : throw new BadRequest("INVALID_REQUEST_BODY", "image must be a string")) : null;
            if (image == null && imageRequired)
                throw new BadRequest("INVALID_REQUEST_BODY", "image is required");
            string? endImage = root.TryGetProperty("end_image", out var ei) ? (ei.ValueKind == JsonValueKind.String ? ei.GetString()! : throw new BadRequest("INVALID_REQUEST_BODY", "end_image must be a string")) : null;
            if (endImage != null && image == null)
                throw new BadRequest("INVALID_REQUEST_BODY", "end_image needs image (first and last frame)");
            int duration = root.TryGetProperty("duration", out var d) ? (d.ValueKind == JsonValueKind.Number ? d.GetInt32() : throw new BadRequest("INVALID_REQUEST_BODY", "duration must be an integer")) : 6;
            if (!formats.Any(f => f.Seconds == duration))
                throw new BadRequest("INVALID_REQUEST_BODY", "duration must be " + string.Join(" or ", formats.Select(f => f.Seconds).Distinct()));
            string resolution = root.TryGetProperty("resolution", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "768P";
            if (!formats.Any(f => f.Resolution == resolution))
                throw new BadRequest("INVALID_REQUEST_BODY", "resolution must be " + string.Join(" or ", formats.Select(f => f.Resolution).Distinct()));
            if (!formats.Contains((duration, resolution)))
                throw new BadRequest("INVALID_REQUEST_BODY", $"{duration}s videos support " + string.Join(" or ", formats.Where(f => f.Seconds == duration).Select(f => f.Resolution)) + " only");
            bool expansion = !root.TryGetProperty("enable_prompt_expansion", out var e) || (e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : throw new BadRequest("INVALID_REQUEST_BODY", "enable_prompt_expansion must be a boolean"));
            bool fast = root.TryGetProperty("fast_pretreatment", out var f) && (f.ValueKind is JsonValueKind.True or JsonValueKind.False ? f.GetBoolean() : throw new BadRequest("INVALID_REQUEST_BODY", "fast_pretreatment must be a boolean"));

            var first = image == null ? default : ParseImage(image, "image");
            var last = endImage == null ? default : ParseImage(endImage, "end_image");
            return new SubmitRecord
            {
                Endpoint = endpoint, Fields = fields, Prompt = prompt,
                ImageKind = first.Kind ?? "", ImageUrl = first.Url, ImageMime = first.Mime, ImageSha256 = first.Sha256, ImageBytes = first.Bytes,
                EndImageKind = last.Kind ?? "", EndImageUrl = last.Url, EndImageSha256 = last.Sha256,
                Duration = duration, Resolution = resolution, EnablePromptExpansion = expansion, FastPretreatment = fast,
            };
        }
    }

    private static (string? Kind, string? Url, string? Mime, string? Sha256, long Bytes) ParseImage(string image, string field)
    {
        if (image.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || image.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return ("url", image, null, null, 0);
        var match = s_dataUri.Match(image);
        if (!match.Success)
            throw new BadRequest("INVALID_IMAGE_FORMAT", field + " must be a URL or a data:image/...;base64, URI");
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(match.Groups[2].Value);
        }
        catch (FormatException)
        {
            throw new BadRequest("INVALID_IMAGE_FORMAT", field + " data is not valid base64");
        }
        if (bytes.Length >= 20L * 1024 * 1024)
            throw new BadRequest("IMAGE_FILE_EXCEEDS_MAX_SIZE", field + " must be under 20MB");
        return ("data", null, match.Groups[1].Value, Convert.ToHexString(SHA256.HashData(bytes)), bytes.Length);
    }

    // ---- Video host -------------------------------------------------------------------------

    private async Task HandleVideoAsync(HttpContext ctx)
    {
        var request = ctx.Request;
        var received = DateTimeOffset.UtcNow;
        string? auth = request.Headers.Authorization.Count > 0 ? request.Headers.Authorization.ToString() : null;
        int status = 0;
        try
        {
            status = await ServeVideoAsync(ctx);
        }
        finally
        {
            _requests.Enqueue(new RecordedRequest("video", request.Method, request.Path + request.QueryString, auth, 0, status, DateTimeOffset.UtcNow, received)
            {
                Range = request.Headers.Range.Count > 0 ? request.Headers.Range.ToString() : null,
            });
        }
    }

    private async Task<int> ServeVideoAsync(HttpContext ctx)
    {
        if (Faults.Video.TryDequeue(out var fault) && fault.Kind is not (FaultKind.Delay or FaultKind.Drop or FaultKind.DropThenChange or FaultKind.Stall or FaultKind.CloseDelimited or FaultKind.Trickle))
            return await ApplyFaultAsync(ctx, fault);
        if (Options.VideoLatency > TimeSpan.Zero)
            await System.Threading.Tasks.Task.Delay(Options.VideoLatency, ctx.RequestAborted);
        if (fault?.Kind == FaultKind.Delay)
            await System.Threading.Tasks.Task.Delay(fault.Delay, ctx.RequestAborted);

        var match = Regex.Match(ctx.Request.Path.Value ?? "", @"^/videos/([^/]+)\.([a-z0-9]+)$");
        string id = match.Success ? Uri.UnescapeDataString(match.Groups[1].Value) : "";
        if (!match.Success || !_tasks.TryGetValue(id, out var task))
            return await PlainAsync(ctx, 404, "NoSuchKey");
        long.TryParse(ctx.Request.Query["expires"], NumberStyles.Integer, CultureInfo.InvariantCulture, out long expires);
        var expiresAt = DateTimeOffset.FromUnixTimeMilliseconds(expires);
        // A link expires at its own time, or earlier when a test calls ExpireVideoLinks.
        long issuedAt = expires - Options.VideoUrlTtlSeconds * 1000L;
        if (expiresAt <= DateTimeOffset.UtcNow || (task.LinksValidFrom is DateTimeOffset from && issuedAt < from.ToUnixTimeMilliseconds()))
            return await PlainAsync(ctx, 403, "AccessDenied: Request has expired");

        long length = Options.PlayableVideo?.LongLength ?? Options.VideoBytes;
        long sent = 0;
        // A storage host answers "Range: bytes=N-" with 206 and the rest of the file, unless If-Range
        // names another version of it: then the whole current file (200).
        ctx.Response.Headers.ETag = task.ETag;
        string ifRange = ctx.Request.Headers.IfRange.ToString();
        if (Options.VideoRanges && (ifRange.Length == 0 || ifRange == task.ETag) && TryParseRangeStart(ctx.Request.Headers.Range.ToString(), out long start))
        {
            if (start >= length)
            {
                ctx.Response.Headers.ContentRange = $"bytes */{length}";
                return await PlainAsync(ctx, 416, "InvalidRange");
            }
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers.ContentRange = $"bytes {start}-{length - 1}/{length}";
            ctx.Response.ContentLength = length - start;
            sent = start;
        }
        else
        {
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentLength = length;
        }
        ctx.Response.ContentType = "video/mp4";
        if (fault?.Kind == FaultKind.CloseDelimited)
        {
            // No length and no chunking: the body ends when the connection closes, here after a
            // fraction of it, indistinguishable on the wire from the whole video.
            ctx.Response.ContentLength = null;
            ctx.Response.Headers.TransferEncoding = "identity";
            length = sent + (long)((length - sent) * fault.Fraction);
        }
        var chunk = new byte[64 * 1024];
        // A dropped connection cuts the file at half way (or, for a resumed request, half way through the rest).
        long dropAt = fault?.Kind is FaultKind.Drop or FaultKind.DropThenChange or FaultKind.Stall ? sent + (length - sent) / 2 : long.MaxValue;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long first = sent;
        while (sent < length)
        {
            int n = (int)Math.Min(fault?.Kind == FaultKind.Trickle ? 1 : chunk.Length, length - sent);
            if (fault?.Kind == FaultKind.Trickle)
                await System.Threading.Tasks.Task.Delay(fault.Delay, ctx.RequestAborted);
            if (Options.PlayableVideo is byte[] playable)
                playable.AsSpan((int)sent, n).CopyTo(chunk);
            else
                VideoContent.Fill(id, sent, chunk.AsSpan(0, n), task.Version);
            if (sent + n > dropAt)
            {
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                if (fault!.Kind == FaultKind.Stall)
                {
                    dropAt = long.MaxValue;
                    await System.Threading.Tasks.Task.Delay(fault.Delay, ctx.RequestAborted);
                }
                else
                {
                    if (fault.Kind == FaultKind.DropThenChange)
                        task.Version++; // the stored file is replaced while the client is away
                    ctx.Abort();
                    return ctx.Response.StatusCode;
                }
            }
            await ctx.Response.Body.WriteAsync(chunk.AsMemory(0, n), ctx.RequestAborted);
            sent += n;
            // Paced between chunks, never after the last: the client has the whole file then, and a
            // test that counts video requests the moment its client exits must find this one recorded.
            if (Options.VideoBytesPerSecond > 0 && sent < length)
            {
                var due = TimeSpan.FromSeconds((double)(sent - first) / Options.VideoBytesPerSecond) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                    await System.Threading.Tasks.Task.Delay(due, ctx.RequestAborted);
            }
        }
        return ctx.Response.StatusCode;
    }

    private static bool TryParseRangeStart(string header, out long start)
    {
        start = 0;
        var match = Regex.Match(header, @"^bytes=(\d+)-$");
        return match.Success && long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out start);
    }

    // ---- Shared answers ---------------------------------------------------------------------

    private async Task<int> ApplyFaultAsync(HttpContext ctx, Fault fault)
    {
        switch (fault.Kind)
        {
            case FaultKind.Drop:
            case FaultKind.DropAfterCreate:
                ctx.Abort();
                return 0;
            case FaultKind.Body:
                ctx.Response.StatusCode = fault.StatusCode;
                ctx.Response.ContentType = fault.ContentType ?? "text/html";
                SetReasonPhrase(ctx, fault);
                await ctx.Response.WriteAsync(fault.RawBody ?? "", ctx.RequestAborted);
                return fault.StatusCode;
            default:
                if (fault.RetryAfterSeconds is int seconds)
                    ctx.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                SetReasonPhrase(ctx, fault);
                return await ErrorAsync(ctx, fault.StatusCode, fault.Reason ?? DefaultReason(fault.StatusCode), fault.Message ?? "scripted fault");
        }
    }

    // The status line's text after the code: what the server says there, anything at all.
    private static void SetReasonPhrase(HttpContext ctx, Fault fault)
    {
        if (fault.ReasonPhrase != null)
            ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>()!.ReasonPhrase = fault.ReasonPhrase;
    }

    private static string DefaultReason(int status) => status switch
    {
        400 => "INVALID_REQUEST_BODY",
        401 or 403 => "INVALID_API_KEY",
        404 => "TASK_NOT_FOUND",
        429 => "RATE_LIMIT_EXCEEDED",
        500 => "GET_RESULT_FAILED",
        _ => "BACKEND_TIMEOUT",
    };

    private static async Task<int> ErrorAsync(HttpContext ctx, int status, string reason, string message) =>
        await JsonAsync(ctx, status, new Dictionary<string, object?> { ["code"] = status, ["reason"] = reason, ["message"] = message, ["metadata"] = new { } });

    private static async Task<int> JsonAsync(HttpContext ctx, int status, object body, TimeSpan? perByte = null)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(body);
        if (perByte is not TimeSpan pause)
        {
            await ctx.Response.Body.WriteAsync(json, ctx.RequestAborted);
            return status;
        }
        ctx.Response.ContentLength = json.Length;
        for (int i = 0; i < json.Length; i++) // one byte at a time, as a failing link sends it
        {
            await ctx.Response.Body.WriteAsync(json.AsMemory(i, 1), ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            await System.Threading.Tasks.Task.Delay(pause, ctx.RequestAborted);
        }
        return status;
    }

    private static async Task<int> PlainAsync(HttpContext ctx, int status, string text)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain";
        await ctx.Response.WriteAsync(text, ctx.RequestAborted);
        return status;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private sealed class BadRequest(string reason, string message) : Exception(message)
    {
        public string Reason { get; } = reason;
    }
}

/// <summary>One scripted task: queued, then processing with rising progress, then succeeded or failed.</summary>
public sealed class FakeTask(string id, SubmitRecord submission, DateTimeOffset createdAt, TimeSpan queued, TimeSpan processing, string? failReason)
{
    public string Id { get; } = id;
    public SubmitRecord Submission { get; } = submission;
    public DateTimeOffset CreatedAt { get; } = createdAt;
    public DateTimeOffset EndsAt => CreatedAt + queued + processing;
    public int Polls { get; set; }
    public DateTimeOffset? LinksValidFrom { get; set; }

    /// <summary>The stored video's version: a new one has other bytes and another ETag.</summary>
    public int Version { get; set; } = 1;

    public string ETag => "\"" + Id + "-" + Version.ToString(CultureInfo.InvariantCulture) + "\"";

    public (string Status, int Progress, int? Eta, string? Reason) StateAt(DateTimeOffset now)
    {
        var age = now - CreatedAt;
        if (age < queued)
            return ("TASK_STATUS_QUEUED", 0, (int)Math.Ceiling((EndsAt - now).TotalSeconds), null);
        if (age < queued + processing)
        {
            int progress = (int)(100 * (age - queued).Ticks / Math.Max(1, processing.Ticks));
            return ("TASK_STATUS_PROCESSING", Math.Min(99, progress), (int)Math.Ceiling((EndsAt - now).TotalSeconds), null);
        }
        return failReason == null ? ("TASK_STATUS_SUCCEED", 100, null, null) : ("TASK_STATUS_FAILED", 100, null, failReason);
    }
}

/// <summary>The bytes of a fake video: a function of the task id and the offset, so tests can check any download.</summary>
public static class VideoContent
{
    public static void Fill(string taskId, long offset, Span<byte> destination, int version = 1)
    {
        int seed = (taskId.Sum(c => (int)c) + (version - 1) * 101) & 0xFF; // stable across processes
        for (int i = 0; i < destination.Length; i++)
            destination[i] = (byte)((offset + i) * 31 + seed);
    }

    public static byte[] Expected(string taskId, long length, int version = 1)
    {
        var bytes = new byte[length];
        Fill(taskId, 0, bytes, version);
        return bytes;
    }
}
