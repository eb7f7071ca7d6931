using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace Geode.Model.Checkpoints;

/// <summary>
/// An open safetensors file: its header is read and validated when it is opened, and tensors are
/// read from it on demand, straight from the file into tensor memory. Reads are positional, so one
/// instance may serve several threads.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly Dictionary<torch.ScalarType, torch.Tensor> _staging = [];
    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, TensorInfo> _byName;

    private SafetensorsFile(string path, SafeFileHandle handle, SafetensorsHeader header)
    {
        Path = path;
        _handle = handle;
        Tensors = header.Tensors;
        Metadata = header.Metadata;
        _byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file's absolute path.</summary>
    public string Path { get; }

    /// <summary>Every tensor in the file, in data-offset order.</summary>
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> map; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens a file and validates its whole header against the file's size.</summary>
    /// <exception cref="BadInputException">The file is missing, unreadable or not a valid safetensors file.</exception>
    public static SafetensorsFile Open(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new BadInputException(
                Directory.Exists(full) ? $"{full}: is a folder; expected a .safetensors file." : $"{full}: no such file.",
                full);
        }

        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(full, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException($"{full}: cannot be opened: {error.Message}", full, inner: error);
        }

        try
        {
            return new SafetensorsFile(full, handle, SafetensorsHeader.Read(full, handle));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>True when the file holds a tensor of that name.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The header entry of one tensor.</summary>
    /// <exception cref="BadInputException">The file holds no tensor of that name.</exception>
    public TensorInfo Get(string name)
    {
        if (_byName.TryGetValue(name, out TensorInfo? info))
        {
            return info;
        }

        string some = string.Join(", ", Tensors.Take(3).Select(t => $"'{t.Name}'"));
        throw new BadInputException(
            $"{Path}: no tensor named '{name}'; the file holds {Tensors.Count} tensors" +
            (Tensors.Count > 0 ? $" (such as {some})." : "."),
            Path,
            name);
    }

    /// <summary>Elements per staging chunk when a read converts or moves (16 MiB of float32).</summary>
    internal const long StagingElements = 4L << 20;

    /// <summary>
    /// Reads a tensor, converted to <paramref name="dtype"/> and placed on <paramref name="device"/>
    /// when those are given. The result belongs to the caller's dispose scope if one is open,
    /// otherwise to the caller alone.
    /// </summary>
    /// <remarks>
    /// A plain read goes straight from the file into the tensor's memory. A read that converts or
    /// moves allocates the result in its final dtype and device and streams the stored bytes through
    /// one staging buffer of at most <see cref="StagingElements"/> elements, so loading a model never
    /// holds a second full-size copy of its largest tensor (the loader's peak memory depends on it).
    /// </remarks>
    /// <exception cref="BadInputException">No such tensor, or the file was shortened since it was opened.</exception>
    public torch.Tensor Read(string name, torch.ScalarType? dtype = null, torch.Device? device = null)
    {
        TensorInfo info = Get(name);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);

        using IDisposable scope = torch.NewDisposeScope();
        torch.ScalarType stored = info.DType.ToScalarType();
        torch.ScalarType target = dtype ?? stored;
        bool moves = device is not null && device.type != DeviceType.CPU;
        torch.Tensor result;
        if (target == stored && !moves)
        {
            result = torch.empty(info.Shape, dtype: stored);
            TensorMemory.ForEachChunk(result, (chunk, offset) => ReadExactly(chunk, info.DataOffset + offset, name));
        }
        else
        {
            result = torch.empty(info.Shape, dtype: target, device: moves ? device : null);
            long total = info.ElementCount;
            long elementSize = info.DType.ElementSize();
            torch.Tensor staging = Staging(stored);
            torch.Tensor flat = result.view(-1);
            for (long start = 0; start < total; start += StagingElements)
            {
                long count = Math.Min(StagingElements, total - start);
                using torch.Tensor chunk = staging.narrow(0, 0, count);
                long fileOffset = info.DataOffset + (start * elementSize);
                TensorMemory.ForEachChunk(chunk, (bytes, offset) => ReadExactly(bytes, fileOffset + offset, name));
                using torch.Tensor slot = flat.narrow(0, start, count);
                slot.copy_(chunk);
            }
        }

        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The staging buffer for <paramref name="stored"/>, made once per file and dtype: allocating and
    /// freeing one per tensor raises glibc's mmap threshold and leaves the freed buffers in the heap,
    /// which showed up as up to 0.6× the model's size of extra resident memory while loading.
    /// </summary>
    private torch.Tensor Staging(torch.ScalarType stored)
    {
        if (!_staging.TryGetValue(stored, out torch.Tensor? staging))
        {
            staging = torch.empty(StagingElements, dtype: stored).DetachFromDisposeScope();
            _staging[stored] = staging;
        }

        return staging;
    }

    /// <summary>
    /// Reads <c>tensor[index]</c> along the first axis in its stored dtype, without reading the rest:
    /// row-major storage keeps each first-axis slice contiguous (a report reads one stream of an
    /// activation file this way instead of every stream).
    /// </summary>
    /// <exception cref="BadInputException">No such tensor, or the file was shortened since it was opened.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the first axis.</exception>
    public torch.Tensor ReadSlice(string name, long index)
    {
        TensorInfo info = Get(name);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (info.Shape.Length == 0 || index < 0 || index >= info.Shape[0])
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"{Path}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}].");
        }

        long[] shape = info.Shape[1..];
        long sliceBytes = shape.Aggregate(1L, (a, b) => a * b) * info.DType.ElementSize();
        torch.Tensor result = torch.empty(shape, dtype: info.DType.ToScalarType());
        TensorMemory.ForEachChunk(result, (chunk, offset) => ReadExactly(chunk, info.DataOffset + (index * sliceBytes) + offset, name));
        return result;
    }

    /// <summary>
    /// Reads rows <c>[start, start + count)</c> along the first axis into <paramref name="dtype"/> on the
    /// CPU, without reading the rest: how int8 loading quantises a large table a block at a time.
    /// </summary>
    /// <exception cref="BadInputException">No such tensor, or the file was shortened since it was opened.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rows are outside the first axis.</exception>
    internal torch.Tensor ReadRows(string name, long start, long count, torch.ScalarType dtype)
    {
        TensorInfo info = Get(name);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (info.Shape.Length == 0 || start < 0 || count < 0 || start + count > info.Shape[0])
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"{Path}: rows [{start}, {start + count}) of tensor '{name}' with shape [{string.Join(", ", info.Shape)}].");
        }

        using IDisposable scope = torch.NewDisposeScope();
        long rowBytes = info.Shape[0] == 0 ? 0 : info.ByteLength / info.Shape[0];
        torch.Tensor stored = torch.empty([count, .. info.Shape[1..]], dtype: info.DType.ToScalarType());
        TensorMemory.ForEachChunk(stored, (chunk, offset) => ReadExactly(chunk, info.DataOffset + (start * rowBytes) + offset, name));
        return stored.to(dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Copies the stored bytes of <c>tensor[index]</c> along the first axis to <paramref name="destination"/>
    /// through a buffer of at most 1 MiB, without making a tensor: how a merge concatenates files
    /// whose whole would not fit in memory.
    /// </summary>
    /// <exception cref="BadInputException">No such tensor, or the file was shortened since it was opened.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the first axis.</exception>
    public void CopySlice(string name, long index, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        TensorInfo info = Get(name);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (info.Shape.Length == 0 || index < 0 || index >= info.Shape[0])
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"{Path}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}].");
        }

        long sliceBytes = info.ByteLength / info.Shape[0];
        byte[] buffer = new byte[(int)Math.Min(sliceBytes, 1 << 20)];
        for (long done = 0; done < sliceBytes; done += buffer.Length)
        {
            Span<byte> chunk = buffer.AsSpan(0, (int)Math.Min(buffer.Length, sliceBytes - done));
            ReadExactly(chunk, info.DataOffset + (index * sliceBytes) + done, name);
            destination.Write(chunk);
        }
    }

    /// <summary>A tensor's stored bytes, little-endian, exactly as in the file.</summary>
    /// <exception cref="BadInputException">No such tensor, or the file was shortened since it was opened.</exception>
    /// <exception cref="InvalidOperationException">The tensor is too large for one array; use <see cref="Read"/>.</exception>
    public byte[] ReadBytes(string name)
    {
        TensorInfo info = Get(name);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (info.ByteLength > Array.MaxLength)
        {
            throw new InvalidOperationException($"{Path}: tensor '{name}' has {info.ByteLength} bytes, more than one array holds; use Read.");
        }

        byte[] bytes = new byte[info.ByteLength];
        ReadExactly(bytes, info.DataOffset, name);
        return bytes;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        foreach (torch.Tensor staging in _staging.Values)
        {
            staging.Dispose();
        }

        _staging.Clear();
        _handle.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => Path;

    private void ReadExactly(Span<byte> destination, long fileOffset, string name)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(_handle, destination, fileOffset);
            if (read == 0)
            {
                throw new BadInputException(
                    $"{Path}: tensor '{name}': the file ended at byte {fileOffset} while reading it; it was shortened after it was opened.",
                    Path,
                    name);
            }

            destination = destination[read..];
            fileOffset += read;
        }
    }
}
