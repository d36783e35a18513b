// The image formats the Hailuo model accepts.
namespace HighwayHailuo.Images
{
    internal enum ImageFormat
    {
        Jpeg,
        Png,
        WebP,
    }

    internal static class ImageFormatExtensions
    {
        // Extensions of image files, accepted or not: enough to tell a file name from words.
        private static readonly string[] s_imageFileExtensions = { ".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".heif", ".avif" };

        /// <summary>Whether the text ends like the name of an image file.</summary>
        public static bool HasImageFileExtension(string text) =>
            System.Array.Exists(s_imageFileExtensions, ext => text.TrimEnd().EndsWith(ext, System.StringComparison.OrdinalIgnoreCase));

        public static string MimeType(this ImageFormat format) => format switch
        {
            ImageFormat.Jpeg => "image/jpeg",
            ImageFormat.Png => "image/png",
            _ => "image/webp",
        };

        public static string DisplayName(this ImageFormat format) => format switch
        {
            ImageFormat.Jpeg => "JPEG",
            ImageFormat.Png => "PNG",
            _ => "WebP",
        };
    }
}
