// The one exception type the Highway client throws: it carries the ErrorId the cmdlets report.
using System;
using System.Management.Automation;

namespace HighwayHailuo.Errors
{
    /// <summary>
    /// A failure talking to the Highway API or the video host. <see cref="ErrorId"/> is the stable
    /// ErrorId the cmdlets report; the server's own reason and message are kept separately.
    /// </summary>
    public sealed class HighwayApiException : Exception
    {
        internal HighwayApiException(string errorId, ErrorCategory category, string message,
            int? statusCode = null, string? serverReason = null, string? serverMessage = null,
            Exception? inner = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Category = category;
            StatusCode = statusCode;
            ServerReason = serverReason;
            ServerMessage = serverMessage;
        }

        /// <summary>The module's stable ErrorId for this failure.</summary>
        public string ErrorId { get; }

        /// <summary>The PowerShell error category.</summary>
        public ErrorCategory Category { get; }

        /// <summary>The HTTP status code, when a response was received.</summary>
        public int? StatusCode { get; }

        /// <summary>The server's machine-readable reason, e.g. INVALID_IMAGE_FORMAT.</summary>
        public string? ServerReason { get; }

        /// <summary>The server's human-readable message.</summary>
        public string? ServerMessage { get; }

        /// <summary>True when no further request with the same credentials can succeed.</summary>
        internal bool IsTerminating { get; set; }

        /// <summary>True when the same request may be sent again without risk of a second charge.</summary>
        internal bool Retryable { get; set; }

        /// <summary>When the server asked us to come back, if it said.</summary>
        internal TimeSpan? RetryAfter { get; set; }
    }
}
