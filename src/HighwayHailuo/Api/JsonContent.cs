// Request bodies. DataUriJsonContent streams the image into the JSON as base64 while it is
// sent, so memory does not grow with the image: the file is never held whole, neither as bytes
// nor as a base64 or JSON string.
using System;
using System.Buffers;
using System.Buffers.Text;
using System.Collections.Generic;
using System.IO;
using System.Linq;
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

    /// <summary>
    /// A JSON body written as text pieces with local images between them, each image base64-encoded
    /// from disk as it is sent (the first frame, and for Hailuo 02 the last frame).
    /// </summary>
    internal sealed class DataUriJsonContent : HttpContent
    {
        // A multiple of 3 so every chunk but the last encodes without padding.
        internal const int ChunkBytes = 3 * 16 * 1024;

        // Each piece is either UTF-8 text or an image to encode in its place.
        private readonly IReadOnlyList<(byte[]? Text, LocalImage? Image)> _pieces;
        private readonly Action? _onSent;
        private readonly Action<long>? _onImageBytes;

        /// <param name="pieces">UTF-8 text and images to encode in their places.</param>
        /// <param name="onSent">Told when the whole body was sent.</param>
        /// <param name="onImageBytes">Told of each piece of an image read into the body, for progress.</param>
        public DataUriJsonContent(IEnumerable<object> pieces, Action? onSent = null, Action<long>? onImageBytes = null)
        {
            _onSent = onSent;
            _onImageBytes = onImageBytes;
            _pieces = pieces.Select(p => p is LocalImage image ? ((byte[]?)null, image) : (Encoding.UTF8.GetBytes((string)p), (LocalImage?)null)).ToList();
            Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        /// <summary>The image that changed, vanished or became unreadable while being sent, so the body was never complete; null otherwise.</summary>
        public string? ChangedImage { get; private set; }

        protected override bool TryComputeLength(out long length)
        {
            length = _pieces.Sum(p => p.Text?.Length ?? Base64Length(p.Image!.Length));
            return true;
        }

        internal static long Base64Length(long bytes) => (bytes + 2) / 3 * 4;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            foreach (var (text, image) in _pieces)
            {
                if (text != null)
                    await stream.WriteAsync(text, 0, text.Length).ConfigureAwait(false);
                else
                    await WriteBase64Async(stream, image!).ConfigureAwait(false);
            }
            _onSent?.Invoke();
        }

        private async Task WriteBase64Async(Stream stream, LocalImage image)
        {
            byte[] raw = ArrayPool<byte>.Shared.Rent(ChunkBytes);
            byte[] encoded = ArrayPool<byte>.Shared.Rent(ChunkBytes / 3 * 4);
            try
            {
                using var file = OpenImage(image);
                if (file.Length != image.Length)
                    throw ImageChanged(image);
                long total = 0;
                while (true)
                {
                    int filled = 0;
                    while (filled < ChunkBytes)
                    {
                        int n = ReadImage(file, image, raw, filled, ChunkBytes - filled);
                        if (n == 0)
                            break;
                        _onImageBytes?.Invoke(n);
                        filled += n;
                    }
                    if (filled == 0)
                        break;
                    total += filled;
                    bool final = filled < ChunkBytes;
                    Base64.EncodeToUtf8(new ReadOnlySpan<byte>(raw, 0, filled), new Span<byte>(encoded), out _, out int written, isFinalBlock: true);
                    await stream.WriteAsync(encoded, 0, written).ConfigureAwait(false); // a failure here is the connection's
                    if (final)
                        break;
                }
                if (total != image.Length)
                    throw ImageChanged(image);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(raw);
                ArrayPool<byte>.Shared.Return(encoded);
            }
        }

        // A file that vanished, was locked or became unreadable since it was checked: the body stops
        // short, so the server never had a whole request, and the message names the image, not the network.
        private FileStream OpenImage(LocalImage image)
        {
            try
            {
                // Read synchronously: a local file's read is short, and an asynchronous one is a
                // thread-pool hop per chunk on Linux and macOS.
                return new FileStream(image.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: false);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw ImageChanged(image, ex);
            }
        }

        private int ReadImage(FileStream file, LocalImage image, byte[] buffer, int offset, int count)
        {
            try
            {
                return file.Read(buffer, offset, count);
            }
            catch (IOException ex)
            {
                throw ImageChanged(image, ex);
            }
        }

        private IOException ImageChanged(LocalImage image, Exception? inner = null)
        {
            ChangedImage = image.Path;
            return new IOException($"The image '{image.Path}' changed while it was being sent.", inner);
        }
    }
}
