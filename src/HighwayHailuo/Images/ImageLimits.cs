// The upstream model's documented input limits (highway-api.md, section 1).
namespace HighwayHailuo.Images
{
    internal static class ImageLimits
    {
        /// <summary>20 MiB: a file of this many bytes or more is rejected.</summary>
        public const long MaxBytesExclusive = 20L * 1024 * 1024;

        /// <summary>The shorter side must be more than this many pixels.</summary>
        public const int MinShortSideExclusive = 300;

        /// <summary>Width:height must lie within 2:5 .. 5:2 (inclusive).</summary>
        public const int AspectNumerator = 5, AspectDenominator = 2;

        public const int MaxPromptLength = 2000;
    }
}
