// Request bodies. DataUriJsonContent streams the image into the JSON as base64 while it is
// sent, so memory does not grow with the image: the file is never held whole, neither as bytes
// nor as a base64 or JSON string.
using System;
using System.Buffers;
using System.Buffers.Text;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Tasks;
using HighwayHailuo.Images;

namespace HighwayHailuo.Api
{
    internal sealed class ByteArrayJsonContent : ByteArrayContent
    {
        private readonly Action? _onSent;

        public ByteArrayJsonContent(byte[] body, Action? onSent = null) : base(body)
        {
            _onSent = onSent;
            Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await base.SerializeToStreamAsync(stream, context).ConfigureAwait(false);
            _onSent?.Invoke();
        }
    }

    internal sealed class DataUriJsonContent : HttpContent
    {
        // A multiple of 3 so every chunk but the last encodes without padding.
        internal const int ChunkBytes = 3 * 16 * 1024;

        private readonly byte[] _prefix;
        private readonly byte[] _suffix;
        private readonly LocalImage _image;
        private readonly Action? _onSent;

        public DataUriJsonContent(string prefix, LocalImage image, string suffix, Action? onSent = null)
        {
            _onSent = onSent;
            _prefix = Encoding.UTF8.GetBytes(prefix);
            _suffix = Encoding.UTF8.GetBytes(suffix);
            _image = image;
            Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        /// <summary>Set when the image file changed or vanished while being sent, so the body was never complete.</summary>
        public bool ImageChangedWhileSending { get; private set; }

        protected override bool TryComputeLength(out long length)
        {
            length = _prefix.Length + Base64Length(_image.Length) + _suffix.Length;
            return true;
        }

        internal static long Base64Length(long bytes) => (bytes + 2) / 3 * 4;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(_prefix, 0, _prefix.Length).ConfigureAwait(false);

            byte[] raw = ArrayPool<byte>.Shared.Rent(ChunkBytes);
            byte[] encoded = ArrayPool<byte>.Shared.Rent(ChunkBytes / 3 * 4);
            try
            {
                using var file = new FileStream(_image.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true);
                if (file.Length != _image.Length)
                    throw ImageChanged();
                long total = 0;
                while (true)
                {
                    int filled = 0;
                    while (filled < ChunkBytes)
                    {
                        int n = await file.ReadAsync(raw, filled, ChunkBytes - filled).ConfigureAwait(false);
                        if (n == 0)
                            break;
                        filled += n;
                    }
                    if (filled == 0)
                        break;
                    total += filled;
                    bool final = filled < ChunkBytes;
                    Base64.EncodeToUtf8(new ReadOnlySpan<byte>(raw, 0, filled), new Span<byte>(encoded), out _, out int written, isFinalBlock: true);
                    await stream.WriteAsync(encoded, 0, written).ConfigureAwait(false);
                    if (final)
                        break;
                }
                if (total != _image.Length)
                    throw ImageChanged();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(raw);
                ArrayPool<byte>.Shared.Return(encoded);
            }

            await stream.WriteAsync(_suffix, 0, _suffix.Length).ConfigureAwait(false);
            _onSent?.Invoke();
        }

        private IOException ImageChanged()
        {
            ImageChangedWhileSending = true;
            return new IOException($"The image '{_image.Path}' changed while it was being sent.");
        }
    }
}
