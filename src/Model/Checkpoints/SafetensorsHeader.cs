using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Win32.SafeHandles;

namespace Geode.Model.Checkpoints;

/// <summary>
/// A safetensors header parsed and checked against the size of its data region. Every problem is a
/// <see cref="BadInputException"/> naming the file and the tensor or field, what was found and what
/// was expected.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>The key that holds the free-form string map instead of a tensor.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>
    /// The largest header accepted. The reference implementation refuses larger ones too, so no valid
    /// file has one, and it bounds what a hostile length field can make us allocate.
    /// </summary>
    public const long MaxHeaderBytes = 100_000_000;

    private SafetensorsHeader(IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The tensors in data-offset order.</summary>
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> map, empty when absent.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads and validates the header of an open file.</summary>
    /// <param name="path">The file's path, for messages.</param>
    /// <param name="file">The open file.</param>
    public static SafetensorsHeader Read(string path, SafeFileHandle file)
    {
        long fileLength = RandomAccess.GetLength(file);
        if (fileLength < 8)
        {
            throw Bad(path, "header length",
                $"the file is {fileLength} bytes long, too short to hold the 8-byte header length a safetensors file starts with (truncated or not safetensors)");
        }

        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(path, file, prefix, 0);
        ulong claimed = BitConverter.ToUInt64(prefix);

        // Checked before anything is allocated: a corrupt or hostile length must not drive an allocation.
        ulong available = (ulong)(fileLength - 8);
        if (claimed > available)
        {
            throw Bad(path, "header length",
                $"the header length field says {claimed} bytes, but only {available} bytes follow it in the {fileLength}-byte file (truncated or not safetensors)");
        }

        if (claimed > MaxHeaderBytes)
        {
            throw Bad(path, "header length",
                $"the header length field says {claimed} bytes; safetensors headers are at most {MaxHeaderBytes} bytes");
        }

        if (claimed < 2)
        {
            throw Bad(path, "header length", $"the header length field says {claimed} bytes; the smallest header, {{}}, takes 2");
        }

        int headerLength = (int)claimed;
        byte[] json = ArrayPool<byte>.Shared.Rent(headerLength);
        try
        {
            ReadExactly(path, file, json.AsSpan(0, headerLength), 8);
            long dataStart = 8 + (long)headerLength;
            return Parse(path, json.AsMemory(0, headerLength), dataStart, fileLength - dataStart);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(json);
        }
    }

    /// <summary>Parses header JSON and checks every entry against a data region of <paramref name="dataLength"/> bytes.</summary>
    public static SafetensorsHeader Parse(string path, ReadOnlyMemory<byte> json, long dataStart, long dataLength)
    {
        CheckUtf8(path, json.Span);

        JsonDocument document;
        try
        {
            // Duplicate keys are allowed here so they can be reported by name below.
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = true });
        }
        catch (JsonException error)
        {
            // The reader's message carries the position (LineNumber / BytePositionInLine, from 0).
            // The reader's advice to change its options means nothing to someone holding a bad file.
            string detail = error.Message.Replace(" Change the reader options.", string.Empty, StringComparison.Ordinal).TrimEnd('.');
            throw Bad(path, "header", $"the header is not valid JSON: {detail}", error);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Bad(path, "header", $"the header is a JSON {Kind(root)}; expected an object mapping tensor names to entries");
            }

            if (JsonStrings.FindUnreadable(root) is { } unreadable)
            {
                throw Bad(path, unreadable.Path, $"the header cannot be read as text at {unreadable}");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            var tensors = new List<TensorInfo>();
            IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    string what = property.Name == MetadataKey ? "the header" : $"tensor '{property.Name}'";
                    throw Bad(path, property.Name, $"{what}: the key '{property.Name}' appears more than once in the header; names must be unique");
                }

                if (property.Name == MetadataKey)
                {
                    metadata = ParseMetadata(path, property.Value);
                }
                else
                {
                    tensors.Add(ParseEntry(path, property.Name, property.Value, dataStart, dataLength));
                }
            }

            // Stable: tensors at the same offset (only empty ones can share one) keep header order.
            TensorInfo[] ordered = [.. tensors.OrderBy(t => t.DataOffset).ThenBy(t => t.ByteLength)];
            CheckOverlaps(path, ordered, dataStart);
            return new SafetensorsHeader(ordered, metadata);
        }
    }

    private static TensorInfo ParseEntry(string path, string name, JsonElement entry, long dataStart, long dataLength)
    {
        string where = $"tensor '{name}'";
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw Bad(path, name, $"{where}: the entry is a JSON {Kind(entry)}; expected an object with dtype, shape and data_offsets");
        }

        JsonElement dtypeElement = Required(path, name, entry, "dtype");
        if (dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw Bad(path, name, $"{where}: dtype is a JSON {Kind(dtypeElement)}; expected a string such as \"F32\"");
        }

        string dtypeText = dtypeElement.GetString()!;
        if (!SafetensorsDTypes.TryParse(dtypeText, out SafetensorsDType? parsed))
        {
            throw Bad(path, name, $"{where}: dtype \"{dtypeText}\" is not supported; supported types are {SafetensorsDTypes.SupportedNames}");
        }

        SafetensorsDType dtype = parsed.Value;
        JsonElement shapeElement = Required(path, name, entry, "shape");
        if (shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw Bad(path, name, $"{where}: shape is a JSON {Kind(shapeElement)}; expected an array of non-negative integers");
        }

        long[] shape = new long[shapeElement.GetArrayLength()];
        int index = 0;
        foreach (JsonElement dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long value))
            {
                throw Bad(path, name, $"{where}: shape[{index}] is {dim.GetRawText()}; expected a non-negative integer");
            }

            if (value < 0)
            {
                throw Bad(path, name, $"{where}: shape[{index}] is {value}; dimensions cannot be negative");
            }

            shape[index++] = value;
        }

        JsonElement offsetsElement = Required(path, name, entry, "data_offsets");
        if (offsetsElement.ValueKind != JsonValueKind.Array || offsetsElement.GetArrayLength() != 2)
        {
            string found = offsetsElement.ValueKind == JsonValueKind.Array
                ? $"an array of {offsetsElement.GetArrayLength()} values"
                : $"a JSON {Kind(offsetsElement)}";
            throw Bad(path, name, $"{where}: data_offsets is {found}; expected [begin, end]");
        }

        long begin = Offset(path, name, offsetsElement[0], "begin");
        long end = Offset(path, name, offsetsElement[1], "end");
        if (end < begin)
        {
            throw Bad(path, name, $"{where}: data_offsets [{begin}, {end}] end before they begin; expected begin <= end");
        }

        if (end > dataLength)
        {
            throw Bad(path, name,
                $"{where}: data_offsets [{begin}, {end}] reach past the data region, which holds {dataLength} bytes after the header (truncated file?)");
        }

        long byteLength = end - begin;
        long? expected = ExpectedBytes(shape, dtype);
        if (expected != byteLength)
        {
            string need = expected is null ? "more bytes than a file can hold" : $"{expected} bytes";
            throw Bad(path, name,
                $"{where}: data_offsets [{begin}, {end}] cover {byteLength} bytes, but shape [{string.Join(", ", shape)}] of {dtype.HeaderName()} needs {need}");
        }

        return new TensorInfo(name, dtype, shape, dataStart + begin, byteLength);
    }

    private static IReadOnlyDictionary<string, string> ParseMetadata(string path, JsonElement element)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element.ValueKind == JsonValueKind.Null)
        {
            return metadata;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Bad(path, MetadataKey, $"{MetadataKey} is a JSON {Kind(element)}; expected an object of string values");
        }

        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                throw Bad(path, MetadataKey,
                    $"{MetadataKey}[\"{property.Name}\"] is a JSON {Kind(property.Value)}; expected a string (metadata is a string-to-string map)");
            }

            if (!metadata.TryAdd(property.Name, property.Value.GetString()!))
            {
                throw Bad(path, MetadataKey, $"{MetadataKey}: the key '{property.Name}' appears more than once; keys must be unique");
            }
        }

        return metadata;
    }

    private static void CheckOverlaps(string path, TensorInfo[] ordered, long dataStart)
    {
        TensorInfo? furthest = null;
        foreach (TensorInfo tensor in ordered)
        {
            // Empty tensors own no bytes, so they overlap nothing.
            if (tensor.ByteLength == 0)
            {
                continue;
            }

            if (furthest is not null && tensor.DataOffset < furthest.DataOffset + furthest.ByteLength)
            {
                throw Bad(path, tensor.Name,
                    $"tensor '{furthest.Name}' (data_offsets {Range(furthest, dataStart)}) and tensor '{tensor.Name}' " +
                    $"(data_offsets {Range(tensor, dataStart)}) overlap; each tensor needs its own bytes");
            }

            if (furthest is null || tensor.DataOffset + tensor.ByteLength > furthest.DataOffset + furthest.ByteLength)
            {
                furthest = tensor;
            }
        }
    }

    private static string Range(TensorInfo tensor, long dataStart) =>
        $"[{tensor.DataOffset - dataStart}, {tensor.DataOffset - dataStart + tensor.ByteLength}]";

    private static long? ExpectedBytes(long[] shape, SafetensorsDType dtype)
    {
        try
        {
            long bytes = dtype.ElementSize();
            foreach (long dim in shape)
            {
                bytes = checked(bytes * dim);
            }

            return bytes;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    private static JsonElement Required(string path, string name, JsonElement entry, string field)
    {
        if (!entry.TryGetProperty(field, out JsonElement value))
        {
            throw Bad(path, name, $"tensor '{name}': the entry has no {field}; expected dtype, shape and data_offsets");
        }

        return value;
    }

    private static long Offset(string path, string name, JsonElement element, string which)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long value) || value < 0)
        {
            throw Bad(path, name,
                $"tensor '{name}': data_offsets {which} is {element.GetRawText()}; expected a non-negative integer below 2^63");
        }

        return value;
    }

    private static void CheckUtf8(string path, ReadOnlySpan<byte> json)
    {
        if (Utf8.IsValid(json))
        {
            return;
        }

        int position = 0;
        while (position < json.Length)
        {
            if (Rune.DecodeFromUtf8(json[position..], out _, out int consumed) != OperationStatus.Done)
            {
                throw Bad(path, "header",
                    $"the header is not valid UTF-8: byte {position} (0x{json[position]:X2}) starts an invalid sequence; expected UTF-8 JSON");
            }

            position += consumed;
        }
    }

    private static void ReadExactly(string path, SafeFileHandle file, Span<byte> destination, long offset)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(file, destination, offset);
            if (read == 0)
            {
                throw Bad(path, "header", $"the file ended at byte {offset} while reading its header");
            }

            destination = destination[read..];
            offset += read;
        }
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Undefined => "nothing",
        _ => element.ValueKind.ToString().ToLowerInvariant(),
    };

    private static BadInputException Bad(string path, string field, string detail, Exception? inner = null) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{path}: {detail}."), path, field, inner);
}
