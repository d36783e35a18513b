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
