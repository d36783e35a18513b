// Every ErrorId the module writes, in one place, so they stay stable and greppable.
namespace HighwayHailuo.Errors
{
    internal static class ErrorIds
    {
        // Pre-flight checks on one input item (non-terminating).
        public const string ImageNotFound = "ImageNotFound";
        public const string UnsupportedImageFormat = "UnsupportedImageFormat";
        public const string ImageTooLarge = "ImageTooLarge";
        public const string ImageTooSmall = "ImageTooSmall";
        public const string ImageAspectRatioOutOfRange = "ImageAspectRatioOutOfRange";
        public const string DurationResolutionMismatch = "DurationResolutionMismatch";
        public const string InvalidImageUri = "InvalidImageUri";
        public const string PromptTooLong = "PromptTooLong";
        public const string InvalidTaskId = "InvalidTaskId";
        public const string ImageUnreadable = "ImageUnreadable";
        public const string TooManyCameraMovements = "TooManyCameraMovements";

        // Terminating: nothing further can succeed.
        public const string ApiKeyMissing = "ApiKeyMissing";
        public const string HailuoAuthenticationFailed = "HailuoAuthenticationFailed";
        public const string InvalidBaseUri = "InvalidBaseUri";
        public const string HailuoEndpointNotFound = "HailuoEndpointNotFound";

        // From the service, per item.
        public const string HailuoRequestRejected = "HailuoRequestRejected";
        public const string HailuoTaskNotFound = "HailuoTaskNotFound";
        public const string HailuoRateLimited = "HailuoRateLimited";
        public const string HailuoServiceUnavailable = "HailuoServiceUnavailable";
        public const string HailuoSubmitOutcomeUnknown = "HailuoSubmitOutcomeUnknown";
        public const string HailuoResponseInvalid = "HailuoResponseInvalid";
        public const string HailuoTaskFailed = "HailuoTaskFailed";
        public const string HailuoTaskNotReady = "HailuoTaskNotReady";
        public const string HailuoWaitTimeout = "HailuoWaitTimeout";

        // Saving videos.
        public const string VideoDownloadFailed = "VideoDownloadFailed";
        public const string VideoFileExists = "VideoFileExists";
        public const string VideoWriteFailed = "VideoWriteFailed";
        public const string DestinationInvalid = "DestinationInvalid";
        public const string VideoSaveBusy = "VideoSaveBusy";

        // Journals (-Journal).
        public const string JournalInvalid = "JournalInvalid";
        public const string JournalNotFound = "JournalNotFound";
        public const string JournalWriteFailed = "JournalWriteFailed";
        public const string JournalClaimBusy = "JournalClaimBusy";
    }
}
