// Turns what the user typed or piped (-Path / -LiteralPath) into local files and image URLs,
// resolved the PowerShell way: against $PWD, through the provider, with wildcards for -Path.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using HighwayHailuo.Errors;

namespace HighwayHailuo.Images
{
    /// <summary>One image to submit: a local file (provider path) or an http(s) URL; or the reason it cannot be.</summary>
    internal sealed class ImageInput
    {
        public ImageInput(object target, string? localPath, Uri? url, HailuoException? error)
        {
            Target = target;
            LocalPath = localPath;
            Url = url;
            Error = error;
        }

        /// <summary>What errors name as their target: the input as given, or the file a wildcard found.</summary>
        public object Target { get; }
        public string? LocalPath { get; }
        public Uri? Url { get; }
        public HailuoException? Error { get; }
    }

    internal static class ImageInputResolver
    {
        // "scheme://" marks a URI; drive-qualified PowerShell paths ("C:\", "Temp:\", "FileSystem::/x") do not match.
        private static readonly Regex s_uriScheme = new Regex(@"^[A-Za-z][A-Za-z0-9+.\-]*://", RegexOptions.CultureInvariant);

        public static IReadOnlyList<ImageInput> Resolve(string raw, bool literal, PathIntrinsics paths)
        {
            if (string.IsNullOrWhiteSpace(raw))
            {
                return One(Fail(raw ?? "", ErrorIds.ImageNotFound, "An image path is empty."));
            }

            if (IsUri(raw))
            {
                return One(ResolveUri(raw, literal));
            }

            List<string> found;
            ProviderInfo provider;
            try
            {
                if (literal)
                {
                    found = new List<string> { paths.GetUnresolvedProviderPathFromPSPath(raw, out provider, out _) };
                }
                else
                {
                    found = new List<string>(paths.GetResolvedProviderPathFromPSPath(raw, out provider));
                }
            }
            catch (ItemNotFoundException)
            {
                found = new List<string>();
                provider = null!;
            }
            catch (Exception ex) when (ex is DriveNotFoundException || ex is ProviderNotFoundException || ex is PSArgumentException || ex is NotSupportedException)
            {
                return One(Fail(raw, ErrorIds.ImageNotFound, $"Cannot find the image '{raw}': {ex.Message}", ex));
            }

            if (found.Count == 0)
            {
                string hint = !literal && WildcardPattern.ContainsWildcardCharacters(raw)
                    ? " No file matches the wildcard (use -LiteralPath if the name contains [ or ])."
                    : raw.Trim().Any(char.IsWhiteSpace) && !ImageFormatExtensions.HasImageFileExtension(raw)
                        ? " It reads like words, not a file name: for a video made from text alone, use New-HailuoVideo -TextOnly."
                        : "";
                return One(Fail(raw, ErrorIds.ImageNotFound, $"Cannot find the image '{raw}'.{hint}"));
            }
            if (provider == null || !string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
            {
                return One(Fail(raw, ErrorIds.ImageNotFound,
                    $"'{raw}' is not a file system path (provider {provider?.Name}); images must be files."));
            }

            bool expanded = found.Count > 1 || (!literal && WildcardPattern.ContainsWildcardCharacters(raw));
            return found.ConvertAll(path => new ImageInput(expanded ? path : raw, path, null, null));
        }

        /// <summary>One image named exactly (no wildcards), a local file or an http(s) URL: how -LastFrame is read.</summary>
        public static ImageInput ResolveOne(string raw, PathIntrinsics paths) =>
            IsUri(raw) ? ResolveUri(raw, literal: false)
                : Resolve(raw, literal: true, paths)[0];

        private static bool IsUri(string raw) => s_uriScheme.IsMatch(raw) || raw.StartsWith("data:", StringComparison.OrdinalIgnoreCase);

        private static IReadOnlyList<ImageInput> One(ImageInput input) => new[] { input };

        private static ImageInput ResolveUri(string raw, bool literal)
        {
            if (literal)
                return Fail(raw, ErrorIds.InvalidImageUri,
                    $"-LiteralPath takes local files only; pass the URL '{raw}' with -Path (or its aliases -Url and -ImageUri).");
            if (Uri.TryCreate(raw, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                && !string.IsNullOrEmpty(uri.Host))
                return new ImageInput(raw, null, uri, null);
            string scheme = raw.Split(':')[0];
            return Fail(raw, ErrorIds.InvalidImageUri,
                uri != null && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                    ? $"'{raw}' is not a usable image URL: it has no host."
                    : $"'{raw}' uses the '{scheme}' scheme; images are local files or public http/https URLs.");
        }

        private static ImageInput Fail(string raw, string errorId, string message, Exception? inner = null) =>
            new ImageInput(raw, null, null, new HailuoException(errorId, message, inner: inner));
    }
}
