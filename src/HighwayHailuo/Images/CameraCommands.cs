// The documented camera commands: exact Chinese text per move, the bracket group appended to a
// prompt, and spotting English look-alikes in a prompt that the model would read as plain text.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace HighwayHailuo.Images
{
    internal static class CameraCommands
    {
        public const int MaxPerPrompt = 3;

        private static readonly Dictionary<HailuoCameraMovement, string> s_chinese = new Dictionary<HailuoCameraMovement, string>
        {
            [HailuoCameraMovement.TruckLeft] = "左移",
            [HailuoCameraMovement.TruckRight] = "右移",
            [HailuoCameraMovement.PanLeft] = "左摇",
            [HailuoCameraMovement.PanRight] = "右摇",
            [HailuoCameraMovement.PushIn] = "推进",
            [HailuoCameraMovement.PullOut] = "拉远",
            [HailuoCameraMovement.PedestalUp] = "上升",
            [HailuoCameraMovement.PedestalDown] = "下降",
            [HailuoCameraMovement.TiltUp] = "上摇",
            [HailuoCameraMovement.TiltDown] = "下摇",
            [HailuoCameraMovement.ZoomIn] = "变焦推近",
            [HailuoCameraMovement.ZoomOut] = "变焦拉远",
            [HailuoCameraMovement.Shake] = "晃动",
            [HailuoCameraMovement.TrackingShot] = "跟随",
            [HailuoCameraMovement.Static] = "固定",
        };

        private static readonly Regex s_bracketed = new Regex(@"\[([A-Za-z][A-Za-z \-_]*)\]", RegexOptions.CultureInvariant);

        private static readonly Regex s_group = new Regex(@"\[([^\[\]]+)\]", RegexOptions.CultureInvariant);

        public static string Chinese(HailuoCameraMovement move) => s_chinese[move];

        /// <summary>Whether the prompt holds a bracket group of documented commands ("[推进]", "[左摇,上升]").</summary>
        public static bool ContainsCommand(string prompt) =>
            s_group.Matches(prompt).Cast<Match>().Any(m => m.Groups[1].Value.Split(',', '，').Any(c => s_chinese.ContainsValue(c.Trim())));

        /// <summary>
        /// The prompt with the moves appended after one space as one group: "p [推进,左摇]". A prompt
        /// that already ends with that group (a piped task's prompt as sent) is left as it is.
        /// </summary>
        public static string Append(string prompt, IReadOnlyList<HailuoCameraMovement>? moves)
        {
            if (moves == null || moves.Count == 0)
                return prompt;
            string group = " [" + string.Join(",", moves.Select(Chinese)) + "]";
            return prompt.EndsWith(group, StringComparison.Ordinal) ? prompt : prompt + group;
        }

        /// <summary>Bracketed English words in a prompt that name a camera move, with the command meant.</summary>
        public static IEnumerable<(string Written, HailuoCameraMovement Move)> EnglishLookAlikes(string prompt)
        {
            foreach (Match match in s_bracketed.Matches(prompt))
            {
                string key = new string(match.Groups[1].Value.Where(char.IsLetter).ToArray());
                if (key.Equals("Tracking", StringComparison.OrdinalIgnoreCase) || key.Equals("Track", StringComparison.OrdinalIgnoreCase))
                    key = nameof(HailuoCameraMovement.TrackingShot);
                if (Enum.TryParse(key, ignoreCase: true, out HailuoCameraMovement move)) // key holds letters only, so never a number
                    yield return (match.Value, move);
            }
        }
    }
}
