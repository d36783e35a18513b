// Carries an ErrorRecord from background work to the pipeline thread, where it becomes a terminating error.
using System;
using System.Management.Automation;

namespace HighwayHailuo.Hosting
{
    internal sealed class FatalErrorException : Exception
    {
        public FatalErrorException(ErrorRecord record) : base(record.Exception.Message, record.Exception)
        {
            Record = record;
        }

        public ErrorRecord Record { get; }
    }
}
