// The one exception type the module raises for a failure it knows: an input it refuses, an answer
// from the API, a file it cannot write. Everything about it is fixed when it is created, so a
// retry decision or an ErrorRecord made from it can never disagree with what raised it.
using System;
using System.Management.Automation;

namespace HighwayHailuo.Errors
{
    /// <summary>
    /// A failure the module reports with a stable <see cref="ErrorId"/>. Scripts can catch it by
    /// type: <c>catch [HighwayHailuo.Errors.HailuoException] { $_.Exception.ErrorId }</c>.
    /// </summary>
    public sealed class HailuoException : Exception
    {
        internal HailuoException(string errorId, string message,
            int? statusCode = null, string? serverReason = null, string? serverMessage = null,
            bool retryable = false, bool terminating = false, TimeSpan? retryAfter = null, Exception? inner = null,
            bool mayHaveCreatedTask = false)
            : base(message, inner)
        {
            ErrorId = errorId;
            Category = ErrorIds.CategoryOf(errorId);
            StatusCode = statusCode;
            ServerReason = serverReason;
            ServerMessage = serverMessage;
            Retryable = retryable;
            IsTerminating = terminating;
            RetryAfter = retryAfter;
            MayHaveCreatedTask = mayHaveCreatedTask;
        }

        /// <summary>The module's stable ErrorId for this failure.</summary>
        public string ErrorId { get; }

        /// <summary>The PowerShell error category: always the same for one ErrorId.</summary>
        public ErrorCategory Category { get; }

        /// <summary>The HTTP status code, when a response was received.</summary>
        public int? StatusCode { get; }

        /// <summary>The server's machine-readable reason, e.g. INVALID_IMAGE_FORMAT.</summary>
        public string? ServerReason { get; }

        /// <summary>The server's human-readable message.</summary>
        public string? ServerMessage { get; }

        /// <summary>True when the same request may be sent again without risk of a second charge.</summary>
        public bool Retryable { get; }

        /// <summary>True when no further item of the call can succeed (a refused key, a wrong endpoint).</summary>
        public bool IsTerminating { get; }

        /// <summary>When the server asked us to come back, if it said.</summary>
        public TimeSpan? RetryAfter { get; }

        /// <summary>
        /// True when the failed submission may have created (and billed) a task all the same: the
        /// journal records it as unknown, and nothing sends it again without -Force.
        /// </summary>
        public bool MayHaveCreatedTask { get; }

        /// <summary>The same failure with more said at the end of its message (how many attempts, when to come back).</summary>
        internal HailuoException WithMessage(string message, TimeSpan? retryAfter = null) =>
            new HailuoException(ErrorId, message, StatusCode, ServerReason, ServerMessage, Retryable, IsTerminating, retryAfter ?? RetryAfter, InnerException, MayHaveCreatedTask);
    }
}
