// A local image file that passed every pre-flight check, with what the checks learned about it.
using System;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Text;
using System.Security.Cryptography;
using HighwayHailuo.Errors;

namespace HighwayHailuo.Images
{
    internal sealed class LocalImage
    {
        private LocalImage(string path, ImageFormat format, int width, int height, long length, string? sha256)
        {
            Path = path;
            Format = format;
            Width = width;
            Height = height;
            Length = length;
            _sha256 = sha256 != null ? new Lazy<string>(() => sha256) : new Lazy<string>(() => HashFile(path));
        }

        public string Path { get; }
        public ImageFormat Format { get; }
        public int Width { get; }
        public int Height { get; }
        public long Length { get; }

        /// <summary>
        /// SHA-256 of the file's bytes (hex), read once: a last frame given on the command line ends
        /// every video of the batch, and its journal identity needs the hash for each of them.
        /// </summary>
        public string ContentSha256 => _sha256.Value;
        private readonly Lazy<string> _sha256;

        private static string HashFile(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.SequentialScan);
            return Hash(stream);
        }

        private static string Hash(Stream stream)
        {
            using var sha = SHA256.Create();
            var hash = sha.ComputeHash(stream);
            var text = new StringBuilder(hash.Length * 2);
            foreach (byte b in hash)
                text.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            return text.ToString();
        }

        /// <summary>A one-line description for -WhatIf and verbose output.</summary>
        public string Describe() => string.Format(CultureInfo.InvariantCulture,
            "{0} ({1}, {2}x{3} px, {4:N0} bytes)", Path, Format.DisplayName(), Width, Height, Length);

        /// <summary>
        /// Runs the image checks in the documented order (not found, format, size, pixels, aspect
        /// ratio) and returns the image, or throws <see cref="HailuoException"/> with the
        /// first failure. With <paramref name="hashContent"/> (a journaled submission, whose identity
        /// is the content's hash) the same opening of the file also hashes it, so a journaled image
        /// is opened twice in all (checks and hash, then the send) instead of three times.
        /// </summary>
        public static LocalImage Inspect(string providerPath, bool hashContent = false)
        {
            var file = new FileInfo(providerPath);
            if (!file.Exists)
            {
                string why = Directory.Exists(providerPath) ? "is a folder, not an image file" : "does not exist";
                throw new HailuoException(ErrorIds.ImageNotFound,
                    $"Cannot submit '{providerPath}': the path {why}.");
            }

            FileStream? stream = null;
            try
            {
                return Check(providerPath, file, hashContent, ref stream);
            }
            finally
            {
                stream?.Dispose();
            }
        }

        private static LocalImage Check(string providerPath, FileInfo file, bool hashContent, ref FileStream? stream)
        {
            ImageHeader? header;
            try
            {
                stream = hashContent
                    ? new FileStream(providerPath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.SequentialScan)
                    : new FileStream(providerPath, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
                header = ImageHeaderReader.Read(stream);
            }
            catch (InvalidDataException ex)
            {
                throw new HailuoException(ErrorIds.UnsupportedImageFormat,
                    $"Cannot submit '{providerPath}': {ex.Message} Use an intact JPEG, PNG or WebP image.", inner: ex);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new HailuoException(ErrorIds.ImageUnreadable,
                    $"Cannot read '{providerPath}': {ex.Message}", inner: ex);
            }

            if (header is null)
            {
                throw new HailuoException(ErrorIds.UnsupportedImageFormat,
                    $"Cannot submit '{providerPath}': its contents are not a JPEG, PNG or WebP image (the format is read from the file's bytes, not its name).");
            }

            var h = header.Value;
            if (file.Length >= ImageLimits.MaxBytesExclusive)
            {
                throw new HailuoException(ErrorIds.ImageTooLarge,
                    string.Format(CultureInfo.InvariantCulture,
                        "Cannot submit '{0}': it is {1:N0} bytes; the limit is under 20 MB ({2:N0} bytes). Resize or recompress it.",
                        providerPath, file.Length, ImageLimits.MaxBytesExclusive));
            }

            int shortSide = Math.Min(h.Width, h.Height);
            if (shortSide <= ImageLimits.MinShortSideExclusive)
            {
                throw new HailuoException(ErrorIds.ImageTooSmall,
                    string.Format(CultureInfo.InvariantCulture,
                        "Cannot submit '{0}': it is {1}x{2} px; its shorter side must be more than {3} px.",
                        providerPath, h.Width, h.Height, ImageLimits.MinShortSideExclusive));
            }

            // Integer comparison so that exactly 2:5 and 5:2 are accepted.
            long w = h.Width, ht = h.Height;
            if (ImageLimits.AspectDenominator * w > ImageLimits.AspectNumerator * ht
                || ImageLimits.AspectNumerator * w < ImageLimits.AspectDenominator * ht)
            {
                throw new HailuoException(ErrorIds.ImageAspectRatioOutOfRange,
                    string.Format(CultureInfo.InvariantCulture,
                        "Cannot submit '{0}': it is {1}x{2} px (aspect ratio {3:0.###}); the ratio of width to height must be between 2:5 (0.4) and 5:2 (2.5). Crop it.",
                        providerPath, h.Width, h.Height, (double)w / ht));
            }

            string? sha256 = null;
            if (hashContent)
            {
                try
                {
                    stream.Position = 0;
                    sha256 = Hash(stream);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new HailuoException(ErrorIds.ImageUnreadable, $"Cannot read '{providerPath}': {ex.Message}", inner: ex);
                }
            }
            return new LocalImage(providerPath, h.Format, h.Width, h.Height, file.Length, sha256);
        }
    }
}
