// The one place ErrorRecords are made: each carries its ErrorId, the one category that ErrorId
// has (ErrorIds.CategoryOf), and the input item as its target.
using System;
using System.Management.Automation;

namespace HighwayHailuo.Errors
{
    internal static class HailuoErrors
    {
        public static ErrorRecord Record(HailuoException ex, object? target)
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

        public static ErrorRecord Record(string errorId, string message, object? target, Exception? inner = null) =>
            Record(new HailuoException(errorId, message, inner: inner), target);

        public static ErrorRecord ApiKeyMissing() => Record(ErrorIds.ApiKeyMissing,
            "No Highway API key is set. Pass -ApiKey, run Connect-Highway -ApiKey (Get-Secret Highway), or set $env:HIGHWAY_API_KEY. Nothing was sent.", null);

        public static ErrorRecord TaskFailed(string taskId, string? sourceImage, string? reason, object target)
        {
            string why = string.IsNullOrEmpty(reason) ? "the server gave no reason" : reason!;
            string source = sourceImage == null ? "" : " (image '" + sourceImage + "')";
            return Record(ErrorIds.HailuoTaskFailed, $"Task '{taskId}'{source} failed: {why}.", target);
        }

        /// <summary>Anything else that escapes background work: reported against the item, never lost silently.</summary>
        public static ErrorRecord Unexpected(Exception ex, object? target) =>
            new ErrorRecord(ex, ErrorIds.HailuoUnexpectedError, ErrorIds.CategoryOf(ErrorIds.HailuoUnexpectedError), target);
    }
}
