// Builds the ErrorRecords the cmdlets write: stable ErrorId, category, the input item as target.
using System;
using System.Management.Automation;
using HighwayHailuo.Api;

namespace HighwayHailuo.Errors
{
    internal static class HighwayErrors
    {
        public static ErrorRecord From(HighwayApiException ex, object? target)
        {
            var record = new ErrorRecord(ex, ex.ErrorId, ex.Category, target);
            if (ex.ServerReason != null || ex.ServerMessage != null)
            {
                // The message already names the server's reason and message; ErrorDetails makes
                // them the displayed text, as PowerShell's web cmdlets do for a server's answer.
                record.ErrorDetails = new ErrorDetails(ex.Message);
            }
            return record;
        }

        public static ErrorRecord From(InputValidationException ex, object? target) =>
            new ErrorRecord(ex, ex.ErrorId, ex.Category, target);

        public static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target, Exception? inner = null) =>
            new ErrorRecord(new InputValidationException(errorId, category, message, inner), errorId, category, target);

        public static ErrorRecord ApiKeyMissing() => Create(ErrorIds.ApiKeyMissing, ErrorCategory.AuthenticationError,
            "No Highway API key is set. Pass -ApiKey, run Connect-Highway -ApiKey (Get-Secret Highway), or set $env:"
            + HighwayConnection.ApiKeyVariable + ". Nothing was sent.", null);

        /// <summary>Anything else that escapes background work: reported against the item, never lost silently.</summary>
        public static ErrorRecord Unexpected(Exception ex, object? target) =>
            new ErrorRecord(ex, "HailuoUnexpectedError", ErrorCategory.NotSpecified, target);
    }
}
