// A pre-flight failure of one input item: reported with its ErrorId before any request is sent.
using System;
using System.Management.Automation;

namespace HighwayHailuo.Errors
{
    internal sealed class InputValidationException : Exception
    {
        public InputValidationException(string errorId, ErrorCategory category, string message, Exception? inner = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Category = category;
        }

        public string ErrorId { get; }
        public ErrorCategory Category { get; }
    }
}
