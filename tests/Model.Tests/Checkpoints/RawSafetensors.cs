using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Geode.Model.Tests.Checkpoints;

/// <summary>One header entry as the tests parse it themselves, independently of the reader under test.</summary>
internal sealed record RawEntry(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>Builds safetensors files byte by byte (including malformed ones) and parses them without Geode's reader.</summary>
internal static class RawSafetensors
{
    /// <summary>Writes an 8-byte length, the header text as UTF-8, then the data.</summary>
    public static string Write(string path, string header, byte[]? data = null, ulong? claimedLength = null) =>
        WriteBytes(path, Encoding.UTF8.GetBytes(header), data, claimedLength);

    /// <summary>Writes an 8-byte length, the header bytes as given, then the data.</summary>
    public static string WriteBytes(string path, byte[] header, byte[]? data = null, ulong? claimedLength = null)
    {
        byte[] length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, claimedLength ?? (ulong)header.Length);
        File.WriteAllBytes(path, [.. length, .. header, .. data ?? []]);
        return path;
    }

    /// <summary>The header length field of a file.</summary>
    public static long HeaderLength(string path) =>
        (long)BinaryPrimitives.ReadUInt64LittleEndian(File.ReadAllBytes(path).AsSpan(0, 8));

    /// <summary>The raw header bytes (padding included).</summary>
    public static byte[] HeaderBytes(string path) => File.ReadAllBytes(path).AsSpan(8, (int)HeaderLength(path)).ToArray();

    /// <summary>The tensor entries in header order, and the metadata if any.</summary>
    public static (List<RawEntry> Entries, Dictionary<string, string>? Metadata) Parse(string path)
    {
        using JsonDocument document = JsonDocument.Parse(HeaderBytes(path));
        var entries = new List<RawEntry>();
        Dictionary<string, string>? metadata = null;
        foreach (JsonProperty property in document.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                metadata = property.Value.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
                continue;
            }

            JsonElement offsets = property.Value.GetProperty("data_offsets");
            entries.Add(new RawEntry(
                property.Name,
                property.Value.GetProperty("dtype").GetString()!,
                [.. property.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())],
                offsets[0].GetInt64(),
                offsets[1].GetInt64()));
        }

        return (entries, metadata);
    }

    /// <summary>The bytes of one entry, cut out of the file by offset arithmetic.</summary>
    public static byte[] Slice(string path, RawEntry entry)
    {
        long start = 8 + HeaderLength(path) + entry.Begin;
        return File.ReadAllBytes(path).AsSpan((int)start, (int)(entry.End - entry.Begin)).ToArray();
    }
}
