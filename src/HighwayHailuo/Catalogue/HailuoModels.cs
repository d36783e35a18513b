// The Hailuo family on Highway, as one table: which endpoint a model and mode go to, and what each
// endpoint takes. Every pre-flight rule about models reads this table, the request body sends only
// the fields a row allows (a strict server answers 400 for any other), and about_HighwayHailuo
// shows the same table (a test holds the two equal).
using System;
using System.Collections.Generic;
using System.Linq;

namespace HighwayHailuo.Catalogue
{
    /// <summary>A video length and resolution an endpoint makes.</summary>
    internal readonly struct VideoFormat : IEquatable<VideoFormat>
    {
        public VideoFormat(int seconds, string resolution)
        {
            Seconds = seconds;
            Resolution = resolution;
        }

        public int Seconds { get; }
        public string Resolution { get; }

        /// <summary>The resolution's height, to order them lowest first ("768P" is 768).</summary>
        public static int Height(string resolution) =>
            int.TryParse(resolution.TrimEnd('P', 'p'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int height) ? height : int.MaxValue;

        public bool Equals(VideoFormat other) => Seconds == other.Seconds && string.Equals(Resolution, other.Resolution, StringComparison.Ordinal);
        public override bool Equals(object? obj) => obj is VideoFormat other && Equals(other);
        public override int GetHashCode() => Seconds * 31 + StringComparer.Ordinal.GetHashCode(Resolution);
        public override string ToString() => Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + " s " + Resolution;
    }

    /// <summary>One submit endpoint and the rules of its reference page.</summary>
    internal sealed class HailuoEndpoint
    {
        public HailuoEndpoint(string name, string model, bool takesImage, bool takesLastFrame, bool takesFastPretreatment, bool listsCameraCommands,
            IReadOnlyList<VideoFormat> formats)
        {
            Name = name;
            Model = model;
            TakesImage = takesImage;
            TakesLastFrame = takesLastFrame;
            TakesFastPretreatment = takesFastPretreatment;
            ListsCameraCommands = listsCameraCommands;
            Formats = formats;
            Durations = formats.Select(f => f.Seconds).Distinct().OrderBy(d => d).ToArray();
            Resolutions = formats.Select(f => f.Resolution).Distinct().OrderBy(VideoFormat.Height).ToArray();
        }

        /// <summary>The path segment after /v3/async/.</summary>
        public string Name { get; }

        /// <summary>The model name users type and tasks report (Hailuo-2.3).</summary>
        public string Model { get; }

        /// <summary>Sends the first frame as "image": required here (a text-only row sends none).</summary>
        public bool TakesImage { get; }

        /// <summary>Takes "end_image", the last frame (with a first frame only).</summary>
        public bool TakesLastFrame { get; }

        /// <summary>Takes "fast_pretreatment".</summary>
        public bool TakesFastPretreatment { get; }

        /// <summary>Whether its reference page lists the bracketed camera commands.</summary>
        public bool ListsCameraCommands { get; }

        /// <summary>The lengths and resolutions it makes, as pairs: the one source of both lists and of the pair rule.</summary>
        public IReadOnlyList<VideoFormat> Formats { get; }

        /// <summary>Image to video, or text to video.</summary>
        public string Mode => TakesImage ? "image" : "text";

        /// <summary>Its lengths in seconds, shortest first.</summary>
        public IReadOnlyList<int> Durations { get; }

        /// <summary>Its resolutions, lowest first.</summary>
        public IReadOnlyList<string> Resolutions { get; }

        /// <summary>Whether it makes this length at this resolution.</summary>
        public bool Allows(int duration, string resolution) => Formats.Contains(new VideoFormat(duration, resolution));

        /// <summary>The body fields it takes, in the order they are sent.</summary>
        public IEnumerable<string> Fields
        {
            get
            {
                yield return "prompt";
                if (TakesImage)
                    yield return "image";
                if (TakesLastFrame)
                    yield return "end_image";
                yield return "duration";
                yield return "resolution";
                yield return "enable_prompt_expansion";
                if (TakesFastPretreatment)
                    yield return "fast_pretreatment";
            }
        }
    }

    internal static class HailuoModels
    {
        public const string Hailuo23 = "Hailuo-2.3";
        public const string Hailuo23Fast = "Hailuo-2.3-Fast";
        public const string Hailuo02 = "Hailuo-02";

        /// <summary>What every existing command means: Hailuo 2.3, image to video.</summary>
        public const string Default = Hailuo23;

        /// <summary>The length and resolution of a command that names neither (constants, for parameter attributes); every row makes them.</summary>
        public const int DefaultDuration = 6;
        public const string DefaultResolution = "768P";

        // Every Hailuo reference page today: 6 or 10 seconds, 768P or 1080P, and 10 seconds at 768P only.
        private static readonly VideoFormat[] s_hailuoFormats = { new VideoFormat(6, "768P"), new VideoFormat(10, "768P"), new VideoFormat(6, "1080P") };

        /// <summary>The table: one row per model and mode; a model without a row for a mode does not offer it.</summary>
        public static readonly IReadOnlyList<HailuoEndpoint> Endpoints = new[]
        {
            new HailuoEndpoint("minimax-hailuo-2.3-i2v", Hailuo23, takesImage: true, takesLastFrame: false, takesFastPretreatment: true, listsCameraCommands: true, s_hailuoFormats),
            new HailuoEndpoint("minimax-hailuo-2.3-t2v", Hailuo23, takesImage: false, takesLastFrame: false, takesFastPretreatment: true, listsCameraCommands: true, s_hailuoFormats),
            new HailuoEndpoint("minimax-hailuo-2.3-fast-i2v", Hailuo23Fast, takesImage: true, takesLastFrame: false, takesFastPretreatment: false, listsCameraCommands: false, s_hailuoFormats),
            // One endpoint for both modes: without "image" it is text to video.
            new HailuoEndpoint("minimax-hailuo-02", Hailuo02, takesImage: true, takesLastFrame: true, takesFastPretreatment: true, listsCameraCommands: false, s_hailuoFormats),
            new HailuoEndpoint("minimax-hailuo-02", Hailuo02, takesImage: false, takesLastFrame: false, takesFastPretreatment: true, listsCameraCommands: false, s_hailuoFormats),
        };

        /// <summary>Every length some row makes, shortest first: what -Duration completes and accepts at all.</summary>
        public static IReadOnlyList<int> Durations { get; } = Endpoints.SelectMany(e => e.Durations).Distinct().OrderBy(d => d).ToArray();

        /// <summary>Every resolution some row makes, lowest first.</summary>
        public static IReadOnlyList<string> Resolutions { get; } = Endpoints.SelectMany(e => e.Resolutions).Distinct().OrderBy(VideoFormat.Height).ToArray();

        /// <summary>The model names, in the order tab completion offers them.</summary>
        public static IReadOnlyList<string> Names { get; } = Endpoints.Select(e => e.Model).Distinct().ToArray();

        /// <summary>The model's name as the table spells it, for any casing; null for a name it does not know.</summary>
        public static string? Canonical(string? model) =>
            model == null ? null : Names.FirstOrDefault(n => string.Equals(n, model.Trim(), StringComparison.OrdinalIgnoreCase));

        /// <summary>The endpoint of a model in a mode; null when the model does not offer that mode.</summary>
        public static HailuoEndpoint? Find(string model, bool withImage) =>
            Endpoints.FirstOrDefault(e => e.Model == model && e.TakesImage == withImage);

        /// <summary>The models that offer a mode, for error messages.</summary>
        public static IEnumerable<string> Offering(bool withImage) => Endpoints.Where(e => e.TakesImage == withImage).Select(e => e.Model).Distinct();

        /// <summary>Where every command without -Model goes: Hailuo 2.3, image to video.</summary>
        public static HailuoEndpoint DefaultEndpoint { get; } = Find(Default, withImage: true)!;
    }
}
