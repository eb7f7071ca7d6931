using TorchSharp;

namespace Geode.Model.Checkpoints;

/// <summary>Visits a chunk of a tensor's native memory, located <paramref name="offset"/> bytes into it.</summary>
internal delegate void TensorChunkAction(Span<byte> chunk, long offset);

/// <summary>
/// Direct access to the bytes of a contiguous CPU tensor. TorchSharp's <c>Tensor.bytes</c> is a span
/// over native memory (no copy) but cannot exceed <see cref="int.MaxValue"/> bytes, and embedding
/// tables of real checkpoints do; larger tensors are visited through 1-D views of at most
/// <c>chunkBytes</c> each.
/// </summary>
internal static class TensorMemory
{
    /// <summary>The default chunk: large enough that a chunk costs one system call's overhead, below the span limit.</summary>
    public const long DefaultChunkBytes = 1L << 30;

    /// <summary>Calls <paramref name="action"/> on consecutive chunks covering the whole tensor, in order.</summary>
    /// <param name="tensor">A contiguous tensor on the CPU.</param>
    /// <param name="action">Reads or writes the chunk; the span is valid only during the call.</param>
    /// <param name="chunkBytes">The most bytes one chunk holds (rounded down to whole elements, at least one).</param>
    public static void ForEachChunk(torch.Tensor tensor, TensorChunkAction action, long chunkBytes = DefaultChunkBytes)
    {
        if (tensor.device_type != DeviceType.CPU || !tensor.is_contiguous())
        {
            throw new ArgumentException("Only a contiguous CPU tensor exposes its memory as one block.", nameof(tensor));
        }

        long count = tensor.numel();
        long elementSize = tensor.element_size();
        if (count == 0)
        {
            return;
        }

        if (count * elementSize <= Math.Min(chunkBytes, int.MaxValue))
        {
            action(tensor.bytes, 0);
            return;
        }

        long perChunk = Math.Max(1, Math.Min(chunkBytes, int.MaxValue) / elementSize);
        using torch.Tensor flat = tensor.reshape(-1);
        for (long start = 0; start < count; start += perChunk)
        {
            using torch.Tensor slice = flat.narrow(0, start, Math.Min(perChunk, count - start));
            action(slice.bytes, start * elementSize);
        }
    }
}
