using System.Buffers.Binary;
using System.Text;

namespace Geode.Model.Tests.Fuzz;

/// <summary>A valid safetensors file split into its parts, the base the fuzz mutates.</summary>
internal sealed class SafetensorsSample
{
    public SafetensorsSample(string name, byte[] bytes)
    {
        Name = name;
        Bytes = bytes;
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        HeaderBytes = bytes[8..(8 + headerLength)];
        Header = Encoding.UTF8.GetString(HeaderBytes).TrimEnd(' ');
        Data = bytes[(8 + headerLength)..];
    }

    /// <summary>The file's name, for case descriptions.</summary>
    public string Name { get; }

    /// <summary>The whole file.</summary>
    public byte[] Bytes { get; }

    /// <summary>The header as stored, padding included.</summary>
    public byte[] HeaderBytes { get; }

    /// <summary>The header's JSON, padding removed.</summary>
    public string Header { get; }

    /// <summary>Everything after the header.</summary>
    public byte[] Data { get; }
}
