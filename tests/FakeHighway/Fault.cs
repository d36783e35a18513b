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
    /// <summary>Video host only: send half the video, hang up, and replace the stored file with a new version (other bytes, another ETag).</summary>
    DropThenChange,
    /// <summary>Video host only: 200 with no Content-Length and no chunking, the body ended by closing the connection after <see cref="Fault.Fraction"/> of it.</summary>
    CloseDelimited,
    /// <summary>Answer as usual, but one byte every <see cref="Fault.Delay"/> (a submission still creates its task first).</summary>
    Trickle,
    /// <summary>Submit only: create the task, then answer with <see cref="Fault.TaskId"/> as its id.</summary>
    AnswerTaskId,
    /// <summary>Result only: answer for the task asked about with <see cref="Fault.TaskStatus"/> and <see cref="Fault.TaskReason"/> instead of its state.</summary>
    TaskAnswer,
}

public sealed record Fault(FaultKind Kind, int StatusCode = 0, string? Reason = null, string? RawBody = null,
    int? RetryAfterSeconds = null, TimeSpan Delay = default)
{
    /// <summary>The status line's reason phrase, when not the standard one ("400 Bad key ...").</summary>
    public string? ReasonPhrase { get; init; }
    /// <summary>The error body's "message", when not "scripted fault".</summary>
    public string? Message { get; init; }
    /// <summary>The Content-Type of a raw body (text/html by default).</summary>
    public string? ContentType { get; init; }
    /// <summary>How much of the video a close-delimited answer sends before it closes (1: all of it).</summary>
    public double Fraction { get; init; } = 1;
    public string? TaskId { get; init; }
    public string? TaskStatus { get; init; }
    public string? TaskReason { get; init; }

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
