// What one New-HailuoVideo item asks for, as bound, and which of it the item brought itself (a CSV
// row's cells, a piped prompt) rather than the command line: a rule broken by the command line's
// values would break for every item, so it ends the call instead of refusing one item.
using System;
using System.Collections.Generic;

namespace HighwayHailuo.Planning
{
    internal sealed class ItemValues
    {
        // The parameters an item can bring, by the names the cmdlet and its rows use.
        public const string ModelParameter = "Model";
        public const string PromptParameter = "Prompt";
        public const string DurationParameter = "Duration";
        public const string ResolutionParameter = "Resolution";
        public const string LastFrameParameter = "LastFrame";

        private static readonly IReadOnlyCollection<string> s_none = Array.Empty<string>();
        private readonly IReadOnlyCollection<string> _brought;

        public ItemValues(string model, string? typed, string? prompt, int duration, string resolution, string? lastFrame, IReadOnlyCollection<string>? brought = null)
        {
            Model = model;
            Typed = typed;
            Prompt = prompt;
            Duration = duration;
            Resolution = resolution;
            LastFrame = lastFrame;
            _brought = brought ?? s_none;
        }

        public string Model { get; }

        /// <summary>The prompt as given: what must be there, not blank, and not an image's name.</summary>
        public string? Typed { get; }

        /// <summary>The prompt as sent: with the camera moves of -CameraMovement, within the length limit.</summary>
        public string? Prompt { get; }

        public int Duration { get; }
        public string Resolution { get; }

        /// <summary>The last frame as given (trimmed); null for none.</summary>
        public string? LastFrame { get; }

        /// <summary>Whether this item brought the parameter's value itself (not the command line or a default).</summary>
        public bool Brings(string parameter)
        {
            foreach (string p in _brought)
            {
                if (string.Equals(p, parameter, StringComparison.OrdinalIgnoreCase))
                    return true;
            }
            return false;
        }
    }
}
