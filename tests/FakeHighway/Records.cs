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
    public IReadOnlyList<string> Fields { get; init; } = Array.Empty<string>();
    public string Prompt { get; init; } = "";
    public string ImageKind { get; init; } = ""; // "url" or "data"
    public string? ImageUrl { get; init; }
    public string? ImageMime { get; init; }
    public string? ImageSha256 { get; init; }
    public long ImageBytes { get; init; }
    public int Duration { get; init; }
    public string Resolution { get; init; } = "";
    public bool EnablePromptExpansion { get; init; }
    public bool FastPretreatment { get; init; }
    public string? TaskId { get; set; }
}
