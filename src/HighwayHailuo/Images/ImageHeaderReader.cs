// Reads the format and pixel size of a JPEG, PNG or WebP file from its first bytes.
// Only headers are read (never the pixels), so checking a 20 MB photo costs a few kilobytes of I/O.
using System;
using System.IO;

namespace HighwayHailuo.Images
{
    internal readonly struct ImageHeader
    {
        public ImageHeader(ImageFormat format, int width, int height)
        {
            Format = format;
            Width = width;
            Height = height;
        }

        public ImageFormat Format { get; }
        public int Width { get; }
        public int Height { get; }
    }

    internal static class ImageHeaderReader
    {
        /// <summary>
        /// Identifies the format from the magic bytes. Returns null when the bytes are not a
        /// supported format (whatever the file name says).
        /// </summary>
        public static ImageFormat? DetectFormat(ReadOnlySpan<byte> head)
        {
            if (head.Length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
                return ImageFormat.Jpeg;
            if (head.Length >= 8 && head[0] == 0x89 && head[1] == (byte)'P' && head[2] == (byte)'N' && head[3] == (byte)'G'
                && head[4] == 0x0D && head[5] == 0x0A && head[6] == 0x1A && head[7] == 0x0A)
                return ImageFormat.Png;
            if (head.Length >= 12 && Ascii(head, 0, "RIFF") && Ascii(head, 8, "WEBP"))
                return ImageFormat.WebP;
            return null;
        }

        /// <summary>
        /// Reads the header of a supported image. Returns null when the format is unsupported;
        /// throws <see cref="InvalidDataException"/> when the format is recognised but the header is broken.
        /// </summary>
        public static ImageHeader? Read(Stream stream)
        {
            var head = new byte[32];
            int got = ReadFully(stream, head, 0, head.Length);
            var format = DetectFormat(new ReadOnlySpan<byte>(head, 0, got));
            if (format is null)
                return null;
            return format.Value switch
            {
                ImageFormat.Png => ReadPng(head, got),
                ImageFormat.WebP => ReadWebP(head, got),
                _ => ReadJpeg(stream, head, got),
            };
        }

        private static ImageHeader ReadPng(byte[] head, int got)
        {
            // Signature (8), then the IHDR chunk: length (4), "IHDR" (4), width (4), height (4).
            if (got < 24 || !Ascii(head, 12, "IHDR"))
                throw new InvalidDataException("The PNG file has no IHDR header.");
            return Checked(ImageFormat.Png, BigEndian32(head, 16), BigEndian32(head, 20));
        }

        private static ImageHeader ReadWebP(byte[] head, int got)
        {
            // RIFF container: "RIFF" size "WEBP", then the first chunk at offset 12.
            if (got < 30)
                throw new InvalidDataException("The WebP file is truncated.");
            if (Ascii(head, 12, "VP8X"))
            {
                // Extended format: canvas width-1 and height-1 as 24-bit little-endian at 24 and 27.
                int w = 1 + (head[24] | head[25] << 8 | head[26] << 16);
                int h = 1 + (head[27] | head[28] << 8 | head[29] << 16);
                return Checked(ImageFormat.WebP, w, h);
            }
            if (Ascii(head, 12, "VP8L"))
            {
                // Lossless: signature 0x2F at 20, then 14-bit width-1 and 14-bit height-1.
                if (head[20] != 0x2F)
                    throw new InvalidDataException("The lossless WebP header is broken.");
                uint bits = (uint)(head[21] | head[22] << 8 | head[23] << 16 | head[24] << 24);
                int w = 1 + (int)(bits & 0x3FFF);
                int h = 1 + (int)((bits >> 14) & 0x3FFF);
                return Checked(ImageFormat.WebP, w, h);
            }
            if (Ascii(head, 12, "VP8 "))
            {
                // Lossy: frame tag (3) at 20, start code 9D 01 2A at 23, then 14-bit width and height.
                if (head[23] != 0x9D || head[24] != 0x01 || head[25] != 0x2A)
                    throw new InvalidDataException("The lossy WebP header is broken.");
                int w = (head[26] | head[27] << 8) & 0x3FFF;
                int h = (head[28] | head[29] << 8) & 0x3FFF;
                return Checked(ImageFormat.WebP, w, h);
            }
            throw new InvalidDataException("The WebP file has no VP8, VP8L or VP8X chunk.");
        }

        private static ImageHeader ReadJpeg(Stream stream, byte[] head, int got)
        {
            // Walk the marker segments after SOI until a start-of-frame marker gives the size.
            var reader = new ByteCursor(stream, head, got, 2);
            while (true)
            {
                int b = reader.Next();
                if (b < 0)
                    break;
                if (b != 0xFF)
                    throw new InvalidDataException("The JPEG file has a broken marker.");
                int marker;
                do { marker = reader.Next(); } while (marker == 0xFF); // fill bytes
                if (marker < 0)
                    break;
                if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01)
                    continue; // markers without a length
                if (marker == 0xD9 || marker == 0xDA)
                    break; // end of image or start of scan before any frame header
                int length = reader.Next() << 8 | reader.Next();
                if (length < 2)
                    throw new InvalidDataException("The JPEG file has a broken segment length.");
                bool isFrame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
                if (isFrame)
                {
                    reader.Next(); // sample precision
                    int h = reader.Next() << 8 | reader.Next();
                    int w = reader.Next() << 8 | reader.Next();
                    if (w < 0 || h < 0)
                        break;
                    return Checked(ImageFormat.Jpeg, w, h);
                }
                reader.Skip(length - 2);
            }
            throw new InvalidDataException("The JPEG file has no frame header.");
        }

        private static ImageHeader Checked(ImageFormat format, long width, long height)
        {
            if (width <= 0 || height <= 0 || width > int.MaxValue || height > int.MaxValue)
                throw new InvalidDataException($"The {format.DisplayName()} header gives an impossible size ({width}x{height}).");
            return new ImageHeader(format, (int)width, (int)height);
        }

        private static bool Ascii(ReadOnlySpan<byte> data, int offset, string text)
        {
            if (data.Length < offset + text.Length)
                return false;
            for (int i = 0; i < text.Length; i++)
                if (data[offset + i] != (byte)text[i])
                    return false;
            return true;
        }

        private static long BigEndian32(byte[] b, int o) => (long)b[o] << 24 | (long)b[o + 1] << 16 | (long)b[o + 2] << 8 | b[o + 3];

        private static int ReadFully(Stream stream, byte[] buffer, int offset, int count)
        {
            int total = 0;
            while (total < count)
            {
                int n = stream.Read(buffer, offset + total, count - total);
                if (n == 0)
                    break;
                total += n;
            }
            return total;
        }

        /// <summary>Reads bytes already buffered in the head, then continues from the stream.</summary>
        private sealed class ByteCursor
        {
            private readonly Stream _stream;
            private readonly byte[] _buffer = new byte[4096];
            private int _position;
            private int _length;

            public ByteCursor(Stream stream, byte[] head, int headLength, int start)
            {
                _stream = stream;
                Array.Copy(head, _buffer, headLength);
                _length = headLength;
                _position = start;
            }

            /// <summary>The next byte, or -1 at the end of the file.</summary>
            public int Next()
            {
                if (_position >= _length)
                {
                    _length = _stream.Read(_buffer, 0, _buffer.Length);
                    _position = 0;
                    if (_length <= 0)
                    {
                        _length = 0;
                        return -1;
                    }
                }
                return _buffer[_position++];
            }

            public void Skip(int count)
            {
                int inBuffer = Math.Min(count, _length - _position);
                _position += inBuffer;
                count -= inBuffer;
                if (count <= 0)
                    return;
                if (_stream.CanSeek)
                {
                    _stream.Seek(count, SeekOrigin.Current);
                    return;
                }
                while (count > 0 && Next() >= 0)
                    count--;
            }
        }
    }
}
