// The names under which an image reaches New-HailuoVideo: its image parameters with their aliases,
// and the property of a piped HailuoTask. The cmdlet's [Alias] attributes use these constants, -Path's
// transformation reads a piped object's properties in this order, and -TextOnly refuses a piped
// object that has any of them; a test holds the list equal to the cmdlet's parameter metadata.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace HighwayHailuo.Hosting
{
    internal static class ImageInputNames
    {
        public const string Path = "Path";
        public const string Url = "Url";
        public const string ImageUri = "ImageUri";
        public const string LiteralPath = "LiteralPath";
        public const string PSPath = "PSPath";
        public const string LP = "LP";

        /// <summary>A HailuoTask's image: a draft piped back in to be rendered again.</summary>
        public const string SourceImage = "SourceImage";

        /// <summary>What -Path reads from a piped object, first non-blank wins (a CSV may have both a Path and a Url column).</summary>
        public static IReadOnlyList<string> ForPath { get; } = new[] { Path, Url, ImageUri, SourceImage };

        /// <summary>Every property name that makes a piped object name an image.</summary>
        public static IReadOnlyList<string> All { get; } = ForPath.Concat(new[] { LiteralPath, PSPath, LP }).ToArray();

        /// <summary>The first of <paramref name="names"/> that <paramref name="item"/> has with a non-blank value.</summary>
        public static object? FirstValue(PSObject item, IEnumerable<string> names)
        {
            foreach (var name in names)
            {
                object? value = item.Properties[name]?.Value;
                if (value is PSObject inner)
                    value = inner.BaseObject;
                if (value != null && !(value is string text && string.IsNullOrWhiteSpace(text)))
                    return value;
            }
            return null;
        }
    }
}
