// Scripted misbehaviour: each queued fault answers one request instead of the normal handler.
using System.Collections.Concurrent;

namespace FakeHighway;

public enum FaultKind
{
    /// <summary>Answer with a status code and an error body.</summary>
    Status,
    /// <summary>Create the task as usual, then answer with a status code (the submission's fate looks unclear).</summary>
    StatusAfterCreate,
    /// <summary>Close the connection without an answer.</summary>
    Drop,
    /// <summary>Create the task, then close the connection without an answer.</summary>
    DropAfterCreate,
    /// <summary>Answer 200 with the given raw body.</summary>
    Body,
    /// <summary>Wait, then handle normally.</summary>
    Delay,
    /// <summary>Submit only: read part of the body, then close the connection (a drop mid-upload).</summary>
    DropDuringUpload,
    /// <summary>Video host only: send half the video, then send nothing for the delay before going on.</summary>
    Stall,
}

public sealed record Fault(FaultKind Kind, int StatusCode = 0, string? Reason = null, string? RawBody = null,
    int? RetryAfterSeconds = null, TimeSpan Delay = default)
{
    public static Fault Status(int code, string? reason = null, int? retryAfterSeconds = null) => new(FaultKind.Status, code, reason, RetryAfterSeconds: retryAfterSeconds);
    public static Fault StatusAfterCreate(int code) => new(FaultKind.StatusAfterCreate, code);
    public static Fault Drop() => new(FaultKind.Drop);
    public static Fault DropAfterCreate() => new(FaultKind.DropAfterCreate);
    public static Fault Body(string raw, int code = 200) => new(FaultKind.Body, code, RawBody: raw);
    public static Fault Wait(TimeSpan delay) => new(FaultKind.Delay, Delay: delay);
    public static Fault DropDuringUpload() => new(FaultKind.DropDuringUpload);
    public static Fault Stall(TimeSpan delay) => new(FaultKind.Stall, Delay: delay);
}

/// <summary>Queues of faults per endpoint, taken in order, one per request.</summary>
public sealed class FaultScript
{
    public ConcurrentQueue<Fault> Submit { get; } = new();
    public ConcurrentQueue<Fault> Result { get; } = new();
    public ConcurrentQueue<Fault> Video { get; } = new();

    public static void Add(ConcurrentQueue<Fault> queue, Fault fault, int times = 1)
    {
        for (int i = 0; i < times; i++)
            queue.Enqueue(fault);
    }
}
