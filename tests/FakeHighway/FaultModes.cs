// The hostile server, as a catalogue: every way FakeHighway can misbehave, by name, with the
// requests it applies to and the class of behaviour it is. The fault sweep (tests/Sweeps/
// ServerFaults.psm1) takes its cases from here through GET /_fake/fault-modes, and its oracle maps
// each class to what the module must do for each request; a new mode adds cases by itself, and a
// new class fails the sweep until the oracle knows it.
using System.Globalization;

namespace FakeHighway;

/// <summary>The requests the module makes.</summary>
public enum RequestKind { Submit, Result, Video }

/// <summary>What a fault is, as far as the module's promise goes.</summary>
public enum FaultClass
{
    /// <summary>The server did nothing and says so (429, 503, CREATE_TASK_FAILED): safe to send again.</summary>
    Refused,
    /// <summary>The server may have acted (5xx, a drop or a garbled answer after the request): a submission is unknown, a read is retried.</summary>
    Unclear,
    /// <summary>An answer slower than -TimeoutSec allows (silent, or one byte at a time).</summary>
    Slow,
    /// <summary>400: the request itself is refused.</summary>
    Rejected,
    /// <summary>401 or 403: the key is refused (for a video: the link).</summary>
    KeyRefused,
    /// <summary>404: no such endpoint, task or video.</summary>
    NotFound,
    /// <summary>A video whose end nothing proves (no length, no chunking).</summary>
    UnprovenEnd,
    /// <summary>A submission answered with a task id no request can carry.</summary>
    UnusableTaskId,
    /// <summary>The task ended failed.</summary>
    TaskFailed,
    /// <summary>An odd but harmless answer (an unknown status once).</summary>
    Passing,
}

/// <summary>One hostile behaviour: its name, what it is, where it applies, and the faults to queue (given the server's key).</summary>
public sealed record FaultMode(string Name, string What, FaultClass Class, RequestKind[] Requests, Func<string, Fault> Make, int Times = 1);

public static class FaultModes
{
    private static readonly RequestKind[] s_all = { RequestKind.Submit, RequestKind.Result, RequestKind.Video };
    private static readonly RequestKind[] s_submit = { RequestKind.Submit };
    private static readonly RequestKind[] s_result = { RequestKind.Result };
    private static readonly RequestKind[] s_video = { RequestKind.Video };
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(20); // far beyond the sweep's -TimeoutSec 1

    // Text no terminal should act on: clear the screen, set the window title, ring, reverse the line.
    public const string Escapes = "\u001b[2J\u001b]0;pwned\u0007 \u202Eevil";

    public static IReadOnlyList<FaultMode> All { get; } = new FaultMode[]
    {
        new("429", "rate limited", FaultClass.Refused, s_all, _ => Fault.Status(429)),
        new("503", "service unavailable", FaultClass.Refused, s_all, _ => Fault.Status(503)),
        new("500-create-task-failed", "500 CREATE_TASK_FAILED", FaultClass.Refused, s_all, _ => Fault.Status(500, "CREATE_TASK_FAILED")),
        new("503-key-in-reason-phrase", "503 whose status line echoes the key", FaultClass.Refused, s_all, key => Fault.Status(503) with { ReasonPhrase = "Unavailable for key " + key }),
        new("500", "500 after the task was created", FaultClass.Unclear, s_all, _ => Fault.StatusAfterCreate(500)),
        new("502", "502 after the task was created", FaultClass.Unclear, s_all, _ => Fault.StatusAfterCreate(502)),
        new("504", "504 after the task was created", FaultClass.Unclear, s_all, _ => Fault.StatusAfterCreate(504)),
        new("drop", "the connection closed after the request (a video: half way)", FaultClass.Unclear, s_all, _ => Fault.Drop()),
        new("drop-after-create", "the task created, then the connection closed", FaultClass.Unclear, s_submit, _ => Fault.DropAfterCreate()),
        new("html-200", "200 with a proxy's HTML page", FaultClass.Unclear, s_all, _ => Fault.Body("<html><body>Gateway</body></html>")),
        new("not-json-200", "200 with text that is not JSON", FaultClass.Unclear, s_all, _ => Fault.Body("not json at all") with { ContentType = "application/json" }),
        new("oversized-200", "200 with a 2 MB answer", FaultClass.Unclear, s_all, _ => Fault.Body("{\"pad\":\"" + new string('x', 2 * 1024 * 1024) + "\"}") with { ContentType = "application/json" }),
        new("silent", "no answer for 20 s", FaultClass.Slow, s_all, _ => Fault.Wait(s_long)),
        new("trickle", "the answer one byte every 250 ms", FaultClass.Slow, s_all, _ => new Fault(FaultKind.Trickle, Delay: TimeSpan.FromMilliseconds(250))),
        new("400", "400 INVALID_REQUEST_BODY", FaultClass.Rejected, s_all, _ => Fault.Status(400)),
        new("400-key-in-reason-phrase", "400 whose status line echoes the key", FaultClass.Rejected, s_all, key => Fault.Status(400) with { ReasonPhrase = "Bad key " + key }),
        new("400-key-in-message", "400 whose message echoes the key", FaultClass.Rejected, s_all, key => Fault.Status(400) with { Message = "the key " + key + " may not do that" }),
        new("400-key-cut-in-message", "400 whose message echoes most of the key", FaultClass.Rejected, s_all, key => Fault.Status(400) with { Message = "key " + key.Substring(2) + "... is bad" }),
        new("400-key-in-text", "400 with a plain-text body that echoes the key", FaultClass.Rejected, s_all, key => Fault.Body("Bad key " + key, 400) with { ContentType = "text/plain" }),
        new("400-escapes", "400 whose reason and message hold terminal escapes", FaultClass.Rejected, s_all, _ => Fault.Status(400, "BAD" + Escapes) with { Message = "refused " + Escapes }),
        new("400-escapes-in-text", "400 with a plain-text body of terminal escapes", FaultClass.Rejected, s_all, _ => Fault.Body("refused " + Escapes, 400) with { ContentType = "text/plain" }),
        new("401", "401", FaultClass.KeyRefused, s_all, _ => Fault.Status(401)),
        new("403-key-in-reason-phrase", "403 whose status line echoes the key", FaultClass.KeyRefused, s_all, key => Fault.Status(403) with { ReasonPhrase = "Forbidden " + key }),
        new("404", "404", FaultClass.NotFound, s_all, _ => Fault.Status(404)),
        new("drop-then-changed", "a video dropped half way, then replaced by another version", FaultClass.Unclear, s_video, _ => new Fault(FaultKind.DropThenChange)),
        new("failed-with-key-in-reason", "the task failed, its reason echoing the key", FaultClass.TaskFailed, s_result, key => new Fault(FaultKind.TaskAnswer) with { TaskStatus = "TASK_STATUS_FAILED", TaskReason = "policy refused key " + key }),
        new("task-id-is-the-key", "the key answered as the task id", FaultClass.UnusableTaskId, s_submit, key => new Fault(FaultKind.AnswerTaskId) with { TaskId = key }),
        new("close-delimited-cut-short", "200, no length, no chunking, half the video", FaultClass.UnprovenEnd, s_video, _ => new Fault(FaultKind.CloseDelimited) with { Fraction = 0.5 }),
        new("close-delimited-whole", "200, no length, no chunking, the whole video", FaultClass.UnprovenEnd, s_video, _ => new Fault(FaultKind.CloseDelimited) with { Fraction = 1 }),
        new("task-id-path", "a task id that walks up folders", FaultClass.UnusableTaskId, s_submit, _ => new Fault(FaultKind.AnswerTaskId) with { TaskId = "../../etc/passwd" }),
        new("task-id-escaped-slash", "a task id with %2F", FaultClass.UnusableTaskId, s_submit, _ => new Fault(FaultKind.AnswerTaskId) with { TaskId = "abc%2F..%2Fdef" }),
        new("task-id-newline", "a task id with a line break", FaultClass.UnusableTaskId, s_submit, _ => new Fault(FaultKind.AnswerTaskId) with { TaskId = "abc\nWARNING: fake" }),
        new("task-id-escapes", "a task id of terminal escapes", FaultClass.UnusableTaskId, s_submit, _ => new Fault(FaultKind.AnswerTaskId) with { TaskId = Escapes }),
        new("task-id-40000", "a task id of 40,000 characters", FaultClass.UnusableTaskId, s_submit, _ => new Fault(FaultKind.AnswerTaskId) with { TaskId = new string('7', 40_000) }),
        new("failed-with-escapes", "the task failed, its reason full of terminal escapes", FaultClass.TaskFailed, s_result, _ => new Fault(FaultKind.TaskAnswer) with { TaskStatus = "TASK_STATUS_FAILED", TaskReason = "policy " + Escapes }),
        new("status-with-escapes", "an unknown status of terminal escapes, once", FaultClass.Passing, s_result, _ => new Fault(FaultKind.TaskAnswer) with { TaskStatus = "TASK_STATUS_" + Escapes }),
    };

    public static FaultMode? Find(string name) => All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    public static string Name(RequestKind kind) => kind.ToString().ToLower(CultureInfo.InvariantCulture);
}
