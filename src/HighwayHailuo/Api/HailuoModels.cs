// The Hailuo family on Highway, as one table: which endpoint a model and mode go to, and what each
// endpoint takes. Every pre-flight rule about models reads this table, the request body sends only
// the fields a row allows (a strict server answers 400 for any other), and about_HighwayHailuo
// shows the same table (a test holds the two equal).
using System;
using System.Collections.Generic;
using System.Linq;

namespace HighwayHailuo.Api
{
    /// <summary>One submit endpoint and the rules of its reference page.</summary>
    internal sealed class HailuoEndpoint
    {
        public HailuoEndpoint(string name, string model, bool takesImage, bool takesLastFrame, bool takesFastPretreatment, bool listsCameraCommands)
        {
            Name = name;
            Model = model;
            TakesImage = takesImage;
            TakesLastFrame = takesLastFrame;
            TakesFastPretreatment = takesFastPretreatment;
            ListsCameraCommands = listsCameraCommands;
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

        /// <summary>Image to video, or text to video.</summary>
        public string Mode => TakesImage ? "image" : "text";

        /// <summary>The documented lengths in seconds, shortest first (the same for every Hailuo model today).</summary>
        public IReadOnlyList<int> Durations => HailuoModels.Durations;

        /// <summary>The documented resolutions, lowest first (the same for every Hailuo model today).</summary>
        public IReadOnlyList<string> Resolutions => HailuoModels.Resolutions;

        /// <summary>Whether this pair is offered: each from the lists, and 10 s only at 768P.</summary>
        public bool Allows(int duration, string resolution) =>
            Durations.Contains(duration) && Resolutions.Contains(resolution) && !(duration == 10 && resolution == "1080P");
    }

    internal static class HailuoModels
    {
        public const string Hailuo23 = "Hailuo-2.3";
        public const string Hailuo23Fast = "Hailuo-2.3-Fast";
        public const string Hailuo02 = "Hailuo-02";

        /// <summary>What every existing command means: Hailuo 2.3, image to video.</summary>
        public const string Default = Hailuo23;

        /// <summary>Every Hailuo endpoint's lengths (seconds) and resolutions; the first of each is the default.</summary>
        public static IReadOnlyList<int> Durations { get; } = new[] { 6, 10 };
        public static IReadOnlyList<string> Resolutions { get; } = new[] { "768P", "1080P" };
        public static int DefaultDuration => Durations[0];
        public static string DefaultResolution => Resolutions[0];

        /// <summary>The table: one row per model and mode; a model without a row for a mode does not offer it.</summary>
        public static readonly IReadOnlyList<HailuoEndpoint> Endpoints = new[]
        {
            new HailuoEndpoint("minimax-hailuo-2.3-i2v", Hailuo23, takesImage: true, takesLastFrame: false, takesFastPretreatment: true, listsCameraCommands: true),
            new HailuoEndpoint("minimax-hailuo-2.3-t2v", Hailuo23, takesImage: false, takesLastFrame: false, takesFastPretreatment: true, listsCameraCommands: true),
            new HailuoEndpoint("minimax-hailuo-2.3-fast-i2v", Hailuo23Fast, takesImage: true, takesLastFrame: false, takesFastPretreatment: false, listsCameraCommands: false),
            // One endpoint for both modes: without "image" it is text to video.
            new HailuoEndpoint("minimax-hailuo-02", Hailuo02, takesImage: true, takesLastFrame: true, takesFastPretreatment: true, listsCameraCommands: false),
            new HailuoEndpoint("minimax-hailuo-02", Hailuo02, takesImage: false, takesLastFrame: false, takesFastPretreatment: true, listsCameraCommands: false),
        };

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
