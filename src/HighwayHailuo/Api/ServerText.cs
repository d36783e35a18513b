// Text that came from a server (a status line's reason phrase, an error's reason and message, a
// failed task's reason, a status string) is shown to the user in errors, tables and transcripts.
// Before it goes anywhere it is made safe here: a terminal escape (ESC[2J clears the screen), a bell,
// a carriage return that overwrites a line, or a direction override that makes text read backwards
// is shown as a visible escape (\x1B, \u202E) instead of being acted on; line breaks become spaces,
// so one answer is one line; and it is cut to a bounded length, so a 40,000-character answer never
// floods the host. The API key is removed separately, by the client that knows it.
using System;
using System.Text;

namespace HighwayHailuo.Api
{
    internal static class ServerText
    {
        /// <summary>How much of one server text is shown.</summary>
        public const int MaxLength = 300;

        /// <summary>The text made safe to show, or null for null.</summary>
        public static string? Clean(string? text, int maxLength = MaxLength)
        {
            if (text == null)
                return null;
            var safe = new StringBuilder(System.Math.Min(text.Length, maxLength) + 16);
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (safe.Length >= maxLength)
                {
                    safe.Append('…');
                    break;
                }
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    safe.Append(c).Append(text[++i]); // a whole pair (an emoji) is text
                else if (c == '\n' || c == '\r' || c == '\t')
                    safe.Append(' ');
                else if (IsUnsafe(c))
                    safe.Append(c <= 0xFF ? "\\x" + ((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture) : "\\u" + ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
                else
                    safe.Append(c);
            }
            return safe.ToString();
        }

        /// <summary>The text without <paramref name="secret"/>, then made safe to show (<see cref="Clean"/>).</summary>
        public static string? Safe(string? text, string? secret, int maxLength = MaxLength) => Clean(WithoutSecret(text, secret), maxLength);

        // A piece of a secret this long is still the secret: a server that echoes a key cut short leaks it too.
        private const int SecretPieceLength = 12;

        /// <summary>
        /// The text with <paramref name="secret"/>, and every piece of it of twelve or more characters,
        /// replaced by "***", in case a server echoes the key whole or cut.
        /// </summary>
        public static string? WithoutSecret(string? text, string? secret)
        {
            if (text == null || string.IsNullOrEmpty(secret))
                return text;
            text = text.Replace(secret, "***");
            if (secret!.Length < SecretPieceLength || text.Length < SecretPieceLength)
                return text;
            var hidden = new bool[text.Length];
            bool any = false;
            for (int start = 0; start + SecretPieceLength <= secret.Length; start++)
            {
                string piece = secret.Substring(start, SecretPieceLength);
                for (int at = text.IndexOf(piece, StringComparison.Ordinal); at >= 0; at = text.IndexOf(piece, at + 1, StringComparison.Ordinal))
                {
                    for (int i = at; i < at + SecretPieceLength; i++)
                        hidden[i] = true;
                    any = true;
                }
            }
            if (!any)
                return text;
            var shown = new StringBuilder(text.Length);
            for (int i = 0; i < text.Length; i++)
            {
                if (!hidden[i])
                    shown.Append(text[i]);
                else if (i == 0 || !hidden[i - 1])
                    shown.Append("***");
            }
            return shown.ToString();
        }

        /// <summary>
        /// Control characters (C0, DEL, C1) and the invisible characters that reorder or hide text:
        /// bidirectional marks, embeddings, overrides and isolates, zero-width characters, and lone surrogates.
        /// </summary>
        public static bool IsUnsafe(char c) =>
            c < 0x20 || (c >= 0x7F && c <= 0x9F)
            || c == '\u061C' || (c >= '\u200B' && c <= '\u200F') || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069')
            || c == '\uFEFF' || char.IsSurrogate(c); // a surrogate here is alone: pairs are taken whole
    }
}
