using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using TorchSharp;

namespace Geode.Model.Checkpoints;

/// <summary>Writes safetensors files the way Hugging Face's writer does: header padded with spaces to 8 bytes.</summary>
public static class SafetensorsWriter
{
    /// <summary>
    /// Writes <paramref name="tensors"/> in the given order, each with its own dtype, to a temporary
    /// file beside <paramref name="path"/> and then renames it over <paramref name="path"/>, so a crash
    /// never leaves a partial file under the final name. Tensor bytes go from tensor memory to the file
    /// one tensor at a time (a GPU or non-contiguous tensor is first copied to a contiguous CPU tensor).
    /// </summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="tensors">Names and tensors; enumerated once. Names must be unique and not <c>__metadata__</c>.</param>
    /// <param name="metadata">The <c>__metadata__</c> map (Hugging Face writes <c>format: pt</c>); omitted when null.</param>
    /// <exception cref="ArgumentException">A duplicate or reserved name.</exception>
    /// <exception cref="NotSupportedException">A tensor type safetensors cannot hold here (e.g. complex).</exception>
    public static void Write(string path, IEnumerable<(string Name, torch.Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);

        // Only references are collected: the header needs every shape before the first data byte.
        List<(string Name, torch.Tensor Tensor)> entries = [.. tensors];
        byte[] header = BuildHeader(entries, metadata);

        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach ((string _, torch.Tensor tensor) in entries)
                {
                    WriteData(stream, tensor);
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            DeleteQuietly(temp);
            throw;
        }
    }

    /// <summary>The header JSON, padded with spaces to a multiple of 8 bytes.</summary>
    internal static byte[] BuildHeader(IReadOnlyList<(string Name, torch.Tensor Tensor)> entries, IReadOnlyDictionary<string, string>? metadata)
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
            foreach ((string name, torch.Tensor tensor) in entries)
            {
                ArgumentNullException.ThrowIfNull(name, nameof(entries));
                ArgumentNullException.ThrowIfNull(tensor, nameof(entries));
                if (name == SafetensorsHeader.MetadataKey)
                {
                    throw new ArgumentException($"'{SafetensorsHeader.MetadataKey}' is reserved for metadata and cannot name a tensor.", nameof(entries));
                }

                if (!names.Add(name))
                {
                    throw new ArgumentException($"The tensor name '{name}' is given twice; safetensors names are unique.", nameof(entries));
                }

                SafetensorsDType dtype = SafetensorsDTypes.FromScalarType(tensor.dtype);
                long bytes = tensor.numel() * dtype.ElementSize();
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype.HeaderName());
                json.WriteStartArray("shape");
                foreach (long dim in tensor.shape)
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

    private static void DeleteQuietly(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // The write's own error is the one worth reporting; a stray temp file is harmless.
        }
    }

    private static void WriteData(FileStream stream, torch.Tensor tensor)
    {
        using IDisposable scope = torch.NewDisposeScope();
        torch.Tensor cpu = tensor.device_type == DeviceType.CPU ? tensor : tensor.cpu();
        torch.Tensor contiguous = cpu.is_contiguous() ? cpu : cpu.contiguous();
        TensorMemory.ForEachChunk(contiguous, (chunk, _) => stream.Write(chunk));
    }
}
