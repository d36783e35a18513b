// What FakeHighway saw: every request, and every accepted submission.
namespace FakeHighway;

/// <summary>One request: when it arrived, when it was answered, and its Authorization verbatim so tests can prove where the key went.</summary>
public sealed record RecordedRequest(
    string Host,
    string Method,
    string PathAndQuery,
    string? Authorization,
    long BodyBytes,
    int Status,
    DateTimeOffset At,
    DateTimeOffset Received)
{
    /// <summary>The Range header of a video request, when it had one.</summary>
    public string? Range { get; init; }
}

/// <summary>One submission body as the server parsed it.</summary>
public sealed class SubmitRecord
{
    /// <summary>The endpoint it was sent to, e.g. minimax-hailuo-2.3-i2v.</summary>
    public string Endpoint { get; init; } = "";
    public IReadOnlyList<string> Fields { get; init; } = Array.Empty<string>();
    public string Prompt { get; init; } = "";
    public string ImageKind { get; init; } = ""; // "url", "data", or "" for text to video
    public string? ImageUrl { get; init; }
    public string? ImageMime { get; init; }
    public string? ImageSha256 { get; init; }
    public long ImageBytes { get; init; }
    /// <summary>The last frame (end_image), when one was sent: its URL or the SHA-256 of its data.</summary>
    public string EndImageKind { get; init; } = "";
    public string? EndImageUrl { get; init; }
    public string? EndImageSha256 { get; init; }
    public int Duration { get; init; }
    public string Resolution { get; init; } = "";
    public bool EnablePromptExpansion { get; init; }
    public bool FastPretreatment { get; init; }
    public string? TaskId { get; set; }
}
