// Every ErrorId the module writes, in one place, so they stay stable and greppable, each with the
// one ErrorCategory it always has (about_HighwayHailuo lists both; a unit test holds them equal).
using System.Collections.Generic;
using System.Management.Automation;

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
        public const string PromptEmpty = "PromptEmpty";
        public const string PromptMissing = "PromptMissing";
        public const string PromptLooksLikePath = "PromptLooksLikePath";
        public const string ImageMissing = "ImageMissing";
        public const string DurationNotSupported = "DurationNotSupported";
        public const string ResolutionNotSupported = "ResolutionNotSupported";
        public const string InvalidTaskId = "InvalidTaskId";
        public const string ImageUnreadable = "ImageUnreadable";
        public const string TooManyCameraMovements = "TooManyCameraMovements";

        // A model's own rules (the table in Catalogue/HailuoModels.cs).
        public const string UnknownModel = "UnknownModel";
        public const string TextOnlyNotSupported = "TextOnlyNotSupported";
        public const string TextOnlyItemHasImage = "TextOnlyItemHasImage";
        public const string PromptConflict = "PromptConflict";
        public const string LastFrameNotSupported = "LastFrameNotSupported";
        public const string LastFrameNeedsFirstFrame = "LastFrameNeedsFirstFrame";
        public const string FastPretreatmentNotSupported = "FastPretreatmentNotSupported";

        // Terminating: nothing further can succeed.
        public const string ApiKeyMissing = "ApiKeyMissing";
        public const string HailuoAuthenticationFailed = "HailuoAuthenticationFailed";
        public const string InvalidBaseUri = "InvalidBaseUri";
        public const string InvalidProxyUri = "InvalidProxyUri";
        public const string ProxyUriMissing = "ProxyUriMissing";
        public const string ProxyCredentialConflict = "ProxyCredentialConflict";
        public const string ProxyAuthenticationRequired = "ProxyAuthenticationRequired";
        public const string HailuoEndpointNotFound = "HailuoEndpointNotFound";

        // From the service, per item.
        public const string HailuoRequestRejected = "HailuoRequestRejected";
        public const string HailuoTaskNotFound = "HailuoTaskNotFound";
        public const string HailuoRateLimited = "HailuoRateLimited";
        public const string HailuoServiceUnavailable = "HailuoServiceUnavailable";
        public const string HailuoSubmitOutcomeUnknown = "HailuoSubmitOutcomeUnknown";
        public const string HailuoTaskIdUnusable = "HailuoTaskIdUnusable";
        public const string HailuoServiceUnreachable = "HailuoServiceUnreachable";
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
        // A journal in Azure Blob Storage (-Journal https://...?SAS).
        public const string JournalUrlInvalid = "JournalUrlInvalid";
        public const string JournalStorageUnreachable = "JournalStorageUnreachable";
        public const string JournalSasExpired = "JournalSasExpired";
        public const string JournalSasPermissionMissing = "JournalSasPermissionMissing";
        public const string JournalSasRejected = "JournalSasRejected";
        public const string JournalContainerNotFound = "JournalContainerNotFound";
        public const string JournalFull = "JournalFull";

        // The spending cap (-MaxVideos, -MaxVideoSeconds) and prices.
        public const string SpendingCapReached = "SpendingCapReached";
        public const string InvalidPrice = "InvalidPrice";

        // The review page (Export-HailuoReview).
        public const string ReviewInputInvalid = "ReviewInputInvalid";
        public const string ReviewFileExists = "ReviewFileExists";
        public const string ReviewWriteFailed = "ReviewWriteFailed";

        // A bug: anything else that escapes background work.
        public const string HailuoUnexpectedError = "HailuoUnexpectedError";

        private static readonly Dictionary<string, ErrorCategory> s_categories = new Dictionary<string, ErrorCategory>
        {
            [ImageNotFound] = ErrorCategory.ObjectNotFound,
            [UnsupportedImageFormat] = ErrorCategory.InvalidData,
            [ImageTooLarge] = ErrorCategory.LimitsExceeded,
            [ImageTooSmall] = ErrorCategory.InvalidData,
            [ImageAspectRatioOutOfRange] = ErrorCategory.InvalidData,
            [DurationResolutionMismatch] = ErrorCategory.InvalidArgument,
            [InvalidImageUri] = ErrorCategory.InvalidArgument,
            [PromptTooLong] = ErrorCategory.InvalidArgument,
            [PromptEmpty] = ErrorCategory.InvalidArgument,
            [PromptMissing] = ErrorCategory.InvalidArgument,
            [PromptLooksLikePath] = ErrorCategory.InvalidArgument,
            [ImageMissing] = ErrorCategory.InvalidArgument,
            [DurationNotSupported] = ErrorCategory.InvalidArgument,
            [ResolutionNotSupported] = ErrorCategory.InvalidArgument,
            [InvalidTaskId] = ErrorCategory.InvalidArgument,
            [ImageUnreadable] = ErrorCategory.ReadError,
            [TooManyCameraMovements] = ErrorCategory.InvalidArgument,
            [UnknownModel] = ErrorCategory.InvalidArgument,
            [TextOnlyNotSupported] = ErrorCategory.InvalidArgument,
            [TextOnlyItemHasImage] = ErrorCategory.InvalidArgument,
            [PromptConflict] = ErrorCategory.InvalidArgument,
            [LastFrameNotSupported] = ErrorCategory.InvalidArgument,
            [LastFrameNeedsFirstFrame] = ErrorCategory.InvalidArgument,
            [FastPretreatmentNotSupported] = ErrorCategory.InvalidArgument,
            [ApiKeyMissing] = ErrorCategory.AuthenticationError,
            [HailuoAuthenticationFailed] = ErrorCategory.AuthenticationError,
            [InvalidBaseUri] = ErrorCategory.InvalidArgument,
            [InvalidProxyUri] = ErrorCategory.InvalidArgument,
            [ProxyUriMissing] = ErrorCategory.InvalidArgument,
            [ProxyCredentialConflict] = ErrorCategory.InvalidArgument,
            [ProxyAuthenticationRequired] = ErrorCategory.AuthenticationError,
            [HailuoEndpointNotFound] = ErrorCategory.ObjectNotFound,
            [HailuoRequestRejected] = ErrorCategory.InvalidArgument,
            [HailuoTaskNotFound] = ErrorCategory.ObjectNotFound,
            [HailuoRateLimited] = ErrorCategory.LimitsExceeded,
            [HailuoServiceUnavailable] = ErrorCategory.ResourceUnavailable,
            [HailuoSubmitOutcomeUnknown] = ErrorCategory.ConnectionError,
            [HailuoTaskIdUnusable] = ErrorCategory.InvalidResult,
            [HailuoServiceUnreachable] = ErrorCategory.ConnectionError,
            [HailuoResponseInvalid] = ErrorCategory.InvalidResult,
            [HailuoTaskFailed] = ErrorCategory.InvalidResult,
            [HailuoTaskNotReady] = ErrorCategory.ResourceUnavailable,
            [HailuoWaitTimeout] = ErrorCategory.OperationTimeout,
            [VideoDownloadFailed] = ErrorCategory.ConnectionError,
            [VideoFileExists] = ErrorCategory.ResourceExists,
            [VideoWriteFailed] = ErrorCategory.WriteError,
            [DestinationInvalid] = ErrorCategory.InvalidArgument,
            [VideoSaveBusy] = ErrorCategory.ResourceBusy,
            [JournalInvalid] = ErrorCategory.InvalidData,
            [JournalNotFound] = ErrorCategory.ObjectNotFound,
            [JournalWriteFailed] = ErrorCategory.WriteError,
            [JournalClaimBusy] = ErrorCategory.ResourceBusy,
            [JournalUrlInvalid] = ErrorCategory.InvalidArgument,
            [JournalStorageUnreachable] = ErrorCategory.ConnectionError,
            [JournalSasExpired] = ErrorCategory.AuthenticationError,
            [JournalSasPermissionMissing] = ErrorCategory.PermissionDenied,
            [JournalSasRejected] = ErrorCategory.AuthenticationError,
            [JournalContainerNotFound] = ErrorCategory.ObjectNotFound,
            [JournalFull] = ErrorCategory.LimitsExceeded,
            [SpendingCapReached] = ErrorCategory.LimitsExceeded,
            [InvalidPrice] = ErrorCategory.InvalidArgument,
            [ReviewInputInvalid] = ErrorCategory.InvalidArgument,
            [ReviewFileExists] = ErrorCategory.ResourceExists,
            [ReviewWriteFailed] = ErrorCategory.WriteError,
            [HailuoUnexpectedError] = ErrorCategory.NotSpecified,
        };

        /// <summary>Every ErrorId with its category.</summary>
        public static IReadOnlyDictionary<string, ErrorCategory> Categories => s_categories;

        /// <summary>
        /// The journal cannot record what happens: nothing more may be sent in the call, and a paid
        /// task whose outcome it could not record is still written out.
        /// </summary>
        public static bool MeansJournalUnusable(string errorId) =>
            errorId == JournalWriteFailed || errorId == JournalStorageUnreachable || errorId == JournalSasExpired
            || errorId == JournalSasPermissionMissing || errorId == JournalSasRejected || errorId == JournalContainerNotFound
            || errorId == JournalFull || errorId == JournalInvalid;

        /// <summary>The category of an ErrorId; an ErrorId missing from the table is a bug, reported as NotSpecified.</summary>
        public static ErrorCategory CategoryOf(string errorId) =>
            s_categories.TryGetValue(errorId, out var category) ? category : ErrorCategory.NotSpecified;
    }
}
