// What can be told about a journal URL's SAS token before any request (and so before anything is
// paid): whether it has one, whether it covers the claim blobs beside the journal, whether it
// grants what the journal does, and whether it is valid now. The service's own answers are vaguer
// (Azurite says AuthorizationFailure for an expired token and a wrong signature alike). The
// signature itself can only be checked by the service.
using System;
using System.Globalization;
using HighwayHailuo.Errors;

namespace HighwayHailuo.Storage
{
    internal static class SasCheck
    {
        // Clocks differ: a start time this far ahead is still accepted, as the service does.
        private static readonly TimeSpan s_clockSkew = TimeSpan.FromMinutes(5);

        /// <summary>The first problem of the SAS in <paramref name="journal"/>, or null. <paramref name="writes"/>: the journal will be written (New-HailuoVideo), not only read.</summary>
        public static HailuoException? Problem(BlobAddress journal, bool writes, DateTimeOffset now)
        {
            string shown = journal.DisplayUrl;
            if (string.IsNullOrEmpty(journal.Sas("sig")))
                return new HailuoException(ErrorIds.JournalUrlInvalid, string.Format(CultureInfo.InvariantCulture,
                    "The journal URL '{0}' has no SAS token. Add a container SAS with read, add, create and write permissions (sp=racw), for example New-AzStorageContainerSASToken -Permission racw; keep the whole URL in a secret or an encrypted Automation variable. Nothing was sent.", shown));
            string? resource = journal.Sas("sr");
            if (resource == "b" || resource == "bs" || resource == "bv")
                return new HailuoException(ErrorIds.JournalUrlInvalid, string.Format(CultureInfo.InvariantCulture,
                    "The SAS token of the journal '{0}' is for that one blob (sr={1}); the journal also keeps a claim blob per image beside it, so it needs a container SAS (sr=c) or an account SAS. Nothing was sent.", shown, resource));
            string? resourceTypes = journal.Sas("srt");
            if (resource == null && resourceTypes != null && resourceTypes.IndexOf('o') < 0)
                return new HailuoException(ErrorIds.JournalSasPermissionMissing, string.Format(CultureInfo.InvariantCulture,
                    "The account SAS of the journal '{0}' does not cover blobs (srt={1}); it needs srt to include 'o'. Nothing was sent.", shown, resourceTypes));
            string granted = journal.Sas("sp") ?? "";
            string missing = Missing(granted, writes);
            if (missing.Length > 0)
                return new HailuoException(ErrorIds.JournalSasPermissionMissing, string.Format(CultureInfo.InvariantCulture,
                    "The SAS token of the journal '{0}' lacks the permission(s) '{1}' (it has sp={2}); {3}. Nothing was sent.",
                    shown, missing, granted, writes ? "a journal that is written needs read, add, create and write (sp=racw): write takes the per-image claims" : "reading a journal needs read (r)"));
            if (Time(journal.Sas("st")) is DateTimeOffset start && start > now + s_clockSkew)
                return new HailuoException(ErrorIds.JournalSasExpired, string.Format(CultureInfo.InvariantCulture,
                    "The SAS token of the journal '{0}' is not valid until {1:u}. Use one that is valid now. Nothing was sent.", shown, start));
            if (journal.Sas("se") != null && Time(journal.Sas("se")) == null)
                return new HailuoException(ErrorIds.JournalUrlInvalid, string.Format(CultureInfo.InvariantCulture,
                    "The SAS token of the journal '{0}' has an expiry (se) that is not a time. Nothing was sent.", shown));
            if (ExpiresBy(journal, now))
                return new HailuoException(ErrorIds.JournalSasExpired, string.Format(CultureInfo.InvariantCulture,
                    "The SAS token of the journal '{0}' expired at {1:u}. Create a new one, valid for longer than the run, and run again. Nothing was sent.", shown, Time(journal.Sas("se"))));
            return null;
        }

        /// <summary>A warning when the SAS ends within <paramref name="margin"/>: records written after that fail, and the run stops.</summary>
        public static string? ExpiryWarning(BlobAddress journal, DateTimeOffset now, TimeSpan margin)
        {
            if (Time(journal.Sas("se")) is DateTimeOffset end && end > now && end - now < margin)
                return string.Format(CultureInfo.InvariantCulture,
                    "The SAS token of the journal '{0}' expires at {1:u}, in {2:0} minutes. Once it has, the journal cannot record anything and the run stops (nothing unrecorded is sent); use one valid for longer than the run.",
                    journal.DisplayUrl, end, (end - now).TotalMinutes);
            return null;
        }

        /// <summary>Whether the SAS's expiry (se) is at or before <paramref name="now"/>.</summary>
        public static bool ExpiresBy(BlobAddress journal, DateTimeOffset now) =>
            Time(journal.Sas("se")) is DateTimeOffset end && end <= now;

        // Write (w) also creates and appends; a SAS without w cannot take a lease, so the claims need it.
        private static string Missing(string granted, bool writes)
        {
            string missing = granted.IndexOf('r') < 0 ? "r" : "";
            if (writes && granted.IndexOf('w') < 0)
                missing += "w";
            return missing;
        }

        private static DateTimeOffset? Time(string? value) =>
            value != null && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : (DateTimeOffset?)null;
    }
}
