using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using Geode.Model.Files;
using TorchSharp;

namespace Geode.Model.Checkpoints;

/// <summary>
/// Writes safetensors files as Hugging Face's writer does (compact JSON header padded with spaces to a
/// multiple of 8 bytes, data packed in header order), through <see cref="AtomicFile"/>, so a crash or a full
/// disk never leaves a partial file under the final name. Tensor
/// bytes go from tensor memory to the file one tensor at a time; a GPU or non-contiguous tensor is
/// first copied to a contiguous CPU tensor, one at a time.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> in the given order, each with its own dtype.</summary>
    /// <remarks>
    /// The sequence is enumerated once, before any data is written, because the header needs every
    /// shape first; so every tensor it yields is alive at once. To write tensors that are produced one
    /// by one (reading, editing and writing a large checkpoint), use the overload that takes a layout.
    /// </remarks>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="tensors">Names and tensors. Names must be unique and not <c>__metadata__</c>.</param>
    /// <param name="metadata">The <c>__metadata__</c> map (Hugging Face writes <c>format: pt</c>); omitted when null.</param>
    /// <exception cref="ArgumentException">A duplicate or reserved name.</exception>
    /// <exception cref="NotSupportedException">A tensor type safetensors cannot hold here (e.g. complex).</exception>
    public static void Write(string path, IEnumerable<(string Name, torch.Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);

        List<(string Name, torch.Tensor Tensor)> entries = [.. tensors];
        TensorLayout[] layout = [.. entries.Select(e => new TensorLayout(
            e.Name, SafetensorsDTypes.FromScalarType(e.Tensor.dtype), e.Tensor.shape))];
        WriteCore(path, layout, i => entries[i].Tensor, metadata);
    }

    /// <summary>
    /// Writes tensors laid out in advance, asking <paramref name="produce"/> for each one only when its
    /// turn comes, so no more than one produced tensor is alive at a time. Tensors that
    /// <paramref name="produce"/> creates are disposed once written; tensors it merely returns (created
    /// before the call) are left to their owner.
    /// </summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="layout">Names, types and shapes, in file order. Names must be unique and not <c>__metadata__</c>.</param>
    /// <param name="produce">Given a name from <paramref name="layout"/>, returns its tensor, of exactly that type and shape.</param>
    /// <param name="metadata">The <c>__metadata__</c> map; omitted when null.</param>
    /// <exception cref="ArgumentException">A duplicate or reserved name, or a produced tensor that does not match its layout.</exception>
    public static void Write(string path, IReadOnlyList<TensorLayout> layout, Func<string, torch.Tensor> produce, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(produce);
        WriteCore(path, layout, i => produce(layout[i].Name), metadata);
    }

    /// <summary>
    /// Writes tensors whose bytes the caller streams, in layout order: <paramref name="writeData"/> is
    /// given each name and the file's stream and must write exactly that tensor's bytes (little-endian,
    /// row-major), so a tensor larger than memory — shards concatenated into one — never exists whole.
    /// </summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="layout">Names, types and shapes, in file order. Names must be unique and not <c>__metadata__</c>.</param>
    /// <param name="writeData">Writes one tensor's bytes to the stream.</param>
    /// <param name="metadata">The <c>__metadata__</c> map; omitted when null.</param>
    /// <exception cref="ArgumentException">A duplicate or reserved name.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="writeData"/> wrote more or fewer bytes than a tensor's layout holds (nothing is left under <paramref name="path"/>).</exception>
    public static void WriteStreamed(string path, IReadOnlyList<TensorLayout> layout, Action<string, Stream> writeData, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(writeData);
        byte[] header = BuildHeader(layout, metadata);
        AtomicFile.Write(path, stream =>
        {
            WritePrefix(stream, header);
            foreach (TensorLayout entry in layout)
            {
                long expected = entry.Shape.Aggregate((long)entry.DType.ElementSize(), (product, dim) => product * dim);
                long before = stream.Position;
                writeData(entry.Name, stream);
                long written = stream.Position - before;
                if (written != expected)
                {
                    throw new InvalidOperationException($"{path}: tensor '{entry.Name}' needs {expected} bytes, but {written} were written.");
                }
            }
        });
    }

    /// <summary>The header JSON, padded with spaces to a multiple of 8 bytes.</summary>
    internal static byte[] BuildHeader(IReadOnlyList<TensorLayout> layout, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();

        // Relaxed escaping keeps names such as "a+b" readable; the output is still valid JSON.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is not null)
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach ((string key, string value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            long offset = 0;
            foreach (TensorLayout entry in layout)
            {
                ArgumentNullException.ThrowIfNull(entry, nameof(layout));
                if (entry.Name == SafetensorsHeader.MetadataKey)
                {
                    throw new ArgumentException($"'{SafetensorsHeader.MetadataKey}' is reserved for metadata and cannot name a tensor.", nameof(layout));
                }

                if (!names.Add(entry.Name))
                {
                    throw new ArgumentException($"The tensor name '{entry.Name}' is given twice; safetensors names are unique.", nameof(layout));
                }

                if (entry.Shape.Any(d => d < 0))
                {
                    throw new ArgumentException($"Tensor '{entry.Name}' has a negative dimension in [{string.Join(", ", entry.Shape)}].", nameof(layout));
                }

                long bytes = entry.Shape.Aggregate((long)entry.DType.ElementSize(), (product, dim) => checked(product * dim));
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.DType.HeaderName());
                json.WriteStartArray("shape");
                foreach (long dim in entry.Shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }

            json.WriteEndObject();
        }

        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        byte[] header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteCore(string path, IReadOnlyList<TensorLayout> layout, Func<int, torch.Tensor> tensorAt, IReadOnlyDictionary<string, string>? metadata)
    {
        byte[] header = BuildHeader(layout, metadata);
        AtomicFile.Write(path, stream =>
        {
            WritePrefix(stream, header);
            for (int i = 0; i < layout.Count; i++)
            {
                // The scope disposes what the producer created for us and the CPU copies, not the caller's tensors.
                using IDisposable scope = torch.NewDisposeScope();
                WriteData(stream, layout[i], tensorAt(i));
            }
        });
    }

    /// <summary>The 8-byte little-endian header length, then the header.</summary>
    private static void WritePrefix(Stream stream, byte[] header)
    {
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
    }

    private static void WriteData(Stream stream, TensorLayout entry, torch.Tensor tensor)
    {
        if (tensor.dtype != entry.DType.ToScalarType() || !tensor.shape.SequenceEqual(entry.Shape))
        {
            throw new ArgumentException(
                $"Tensor '{entry.Name}' is {tensor.dtype} [{string.Join(", ", tensor.shape)}], but its layout says " +
                $"{entry.DType.HeaderName()} [{string.Join(", ", entry.Shape)}].",
                nameof(tensor));
        }

        torch.Tensor cpu = tensor.device_type == DeviceType.CPU ? tensor : tensor.cpu();
        torch.Tensor contiguous = cpu.is_contiguous() ? cpu : cpu.contiguous();
        TensorMemory.ForEachChunk(contiguous, (chunk, _) => stream.Write(chunk));
    }
}
