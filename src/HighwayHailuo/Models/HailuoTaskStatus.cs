// The lifecycle states of a Highway async task, as the module reports them.
namespace HighwayHailuo
{
    /// <summary>The state of a Hailuo video task.</summary>
    public enum HailuoTaskStatus
    {
        /// <summary>The server reported a state this module does not know; treated as still running.</summary>
        Unknown = 0,
        /// <summary>Accepted and waiting for a worker (TASK_STATUS_QUEUED).</summary>
        Queued = 1,
        /// <summary>Being generated (TASK_STATUS_PROCESSING).</summary>
        Processing = 2,
        /// <summary>Finished; the video can be downloaded (TASK_STATUS_SUCCEED).</summary>
        Succeeded = 3,
        /// <summary>Ended without a video; Reason says why (TASK_STATUS_FAILED).</summary>
        Failed = 4,
    }
}
