// Knobs for the stand-in: the key it accepts, how long tasks live, how slow it answers.
namespace FakeHighway;

public sealed class FakeHighwayOptions
{
    /// <summary>
    /// A key of its own per server, so that one test's account (the module shares what it learns
    /// about an account's rate limit through a per-user ledger) is never another test's.
    /// </summary>
    public string ApiKey { get; set; } = "fake-highway-key-" + Guid.NewGuid().ToString("N").Substring(0, 12);

    /// <summary>How long a task stays TASK_STATUS_QUEUED, then TASK_STATUS_PROCESSING.</summary>
    public TimeSpan QueuedFor { get; set; } = TimeSpan.FromMilliseconds(300);
    public TimeSpan ProcessingFor { get; set; } = TimeSpan.FromMilliseconds(900);

    /// <summary>Per-task life, when tests want tasks of different lengths (overrides the two above).</summary>
    public Func<SubmitRecord, (TimeSpan Queued, TimeSpan Processing)>? TaskLife { get; set; }

    /// <summary>Returns a failure reason for submissions whose task should end TASK_STATUS_FAILED.</summary>
    public Func<SubmitRecord, string?>? FailWhen { get; set; }

    public TimeSpan SubmitLatency { get; set; }

    /// <summary>
    /// A pause after a submission has created its task and before the answer is sent: the window in
    /// which a client that dies has paid for a task it never heard of.
    /// </summary>
    public TimeSpan AnswerLatency { get; set; }
    public TimeSpan ResultLatency { get; set; }
    public TimeSpan VideoLatency { get; set; }

    public long VideoBytes { get; set; } = 64 * 1024;
    public int VideoUrlTtlSeconds { get; set; } = 3600;
    public string VideoType { get; set; } = "mp4";

    /// <summary>A real video to serve for every task instead of patterned bytes (a browser plays it); VideoBytes is then ignored.</summary>
    public byte[]? PlayableVideo { get; set; }

    /// <summary>The documented form sends TTLs and epoch times as strings; some clients see numbers.</summary>
    public bool NumbersAsStrings { get; set; } = true;

    /// <summary>Fill "eta" while a task runs (only some models do).</summary>
    public bool ReportEta { get; set; } = true;

    /// <summary>Whether the video host honours "Range: bytes=N-" (206 Partial Content).</summary>
    public bool VideoRanges { get; set; } = true;

    /// <summary>Throughput cap for video downloads in bytes per second (0: none).</summary>
    public long VideoBytesPerSecond { get; set; }

    /// <summary>Submissions allowed per <see cref="SubmitRateWindow"/> (0: no limit); beyond it, 429 RATE_LIMIT_EXCEEDED.</summary>
    public int SubmitRateLimit { get; set; }
    public TimeSpan SubmitRateWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Whether a rate-limit 429 carries Retry-After (the real API promises none).</summary>
    public bool RateLimitRetryAfter { get; set; }
}
