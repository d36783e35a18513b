// Builds image files for tests: real PNGs (zlib-compressed pixels), and JPEG and WebP files
// whose headers are exact (the module reads headers only; fixtures from a real encoder cover the rest).
using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace HighwayHailuo.Tests;

public static class TestImages
{
    public static string FixturesFolder => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public static string Fixture(string name) => Path.Combine(FixturesFolder, name);

    /// <summary>A valid PNG of the given size; <paramref name="padTo"/> adds an ancillary chunk to reach a file size.</summary>
    public static byte[] Png(int width, int height, long padTo = 0)
    {
        using var file = new MemoryStream();
        file.Write(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A });
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 0; // greyscale
        Chunk(file, "IHDR", ihdr);
        using (var pixels = new MemoryStream())
        {
            using (var z = new ZLibStream(pixels, CompressionLevel.Fastest, leaveOpen: true))
            {
                var row = new byte[width + 1];
                for (int y = 0; y < height; y++)
                {
                    for (int x = 1; x <= width; x++)
                        row[x] = (byte)((x + y) & 0xFF);
                    z.Write(row);
                }
            }
            Chunk(file, "IDAT", pixels.ToArray());
        }
        long remaining = padTo - file.Length - 12 - 12;
        if (remaining > 0)
            Chunk(file, "teSt", new byte[remaining]);
        Chunk(file, "IEND", Array.Empty<byte>());
        return file.ToArray();
    }

    /// <summary>A JPEG with an exact frame header; <paramref name="appSegmentBytes"/> puts a large APP1 segment before it.</summary>
    public static byte[] Jpeg(int width, int height, int appSegmentBytes = 0, bool progressive = false)
    {
        using var file = new MemoryStream();
        file.Write(new byte[] { 0xFF, 0xD8 });
        // APP0 JFIF
        file.Write(new byte[] { 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0 });
        if (appSegmentBytes > 0)
        {
            int length = Math.Min(appSegmentBytes, 65533) + 2;
            file.Write(new byte[] { 0xFF, 0xE1, (byte)(length >> 8), (byte)length });
            file.Write(new byte[length - 2]);
        }
        // DQT placeholder segment, then the frame header.
        file.Write(new byte[] { 0xFF, 0xDB, 0x00, 0x04, 0x00, 0x00 });
        file.Write(new byte[] { 0xFF, progressive ? (byte)0xC2 : (byte)0xC0, 0x00, 0x0B, 0x08,
            (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 0x01, 0x01, 0x11, 0x00 });
        file.Write(new byte[] { 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00 });
        file.Write(new byte[256]);
        file.Write(new byte[] { 0xFF, 0xD9 });
        return file.ToArray();
    }

    /// <summary>An extended-format (VP8X) WebP with an exact canvas size.</summary>
    public static byte[] WebP(int width, int height)
    {
        using var file = new MemoryStream();
        var vp8x = new byte[10];
        vp8x[0] = 0x10; // alpha flag
        WriteUInt24(vp8x.AsSpan(4), width - 1);
        WriteUInt24(vp8x.AsSpan(7), height - 1);
        using var body = new MemoryStream();
        body.Write(Encoding.ASCII.GetBytes("WEBP"));
        body.Write(Encoding.ASCII.GetBytes("VP8X"));
        body.Write(BitConverter.GetBytes(10));
        body.Write(vp8x);
        body.Write(Encoding.ASCII.GetBytes("ALPH"));
        body.Write(BitConverter.GetBytes(64));
        body.Write(new byte[64]);
        file.Write(Encoding.ASCII.GetBytes("RIFF"));
        file.Write(BitConverter.GetBytes((int)body.Length));
        body.Position = 0;
        body.CopyTo(file);
        return file.ToArray();
    }

    public static string Write(string folder, string name, byte[] bytes)
    {
        string path = Path.Combine(folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    public static string Sha256OfFile(string path) => Sha256(File.ReadAllBytes(path));

    private static void Chunk(Stream file, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        file.Write(length);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        file.Write(typeBytes);
        file.Write(data);
        uint crc = Crc32(Crc32(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc);
        file.Write(crcBytes);
    }

    // The PNG chunk checksum (CRC-32, polynomial 0xEDB88320).
    private static uint Crc32(uint crc, byte[] data)
    {
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return crc;
    }

    private static void WriteUInt24(Span<byte> target, int value)
    {
        target[0] = (byte)value;
        target[1] = (byte)(value >> 8);
        target[2] = (byte)(value >> 16);
    }
}
