using System.Buffers.Binary;
using static TorchSharp.torch;

namespace Geode.Analysis.Statistics;

/// <summary>
/// <see cref="GroupStatistics"/> of one group at every captured stream index l = 0..L: what one
/// class or category accumulates from <c>ResidualCapture</c>'s per-layer [B, H] outputs.
/// </summary>
public sealed class LayerStatistics
{
    private const uint Magic = 0x3154534C; // "LST1", little-endian

    private readonly GroupStatistics[] _layers;

    /// <summary>Empty statistics for <paramref name="layerCount"/> stream indices of width <paramref name="hidden"/>.</summary>
    public LayerStatistics(int layerCount, int hidden)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layerCount, 1);
        _layers = [.. Enumerable.Range(0, layerCount).Select(_ => new GroupStatistics(hidden))];
    }

    private LayerStatistics(GroupStatistics[] layers) => _layers = layers;

    /// <summary>The number of stream indices (L + 1 for a full capture).</summary>
    public int LayerCount => _layers.Length;

    /// <summary>H.</summary>
    public int Hidden => _layers[0].Hidden;

    /// <summary>n, the number of prompts folded in (the same at every layer).</summary>
    public long Count => _layers[0].Count;

    /// <summary>The statistics at stream index <paramref name="layer"/>.</summary>
    public GroupStatistics this[int layer] => _layers[layer];

    /// <summary>Folds in one batch: <paramref name="residuals"/>[l] is [B, H] at stream index l.</summary>
    /// <exception cref="ArgumentException">The count of layers or a shape is wrong.</exception>
    public void Add(IReadOnlyList<Tensor> residuals)
    {
        ArgumentNullException.ThrowIfNull(residuals);
        if (residuals.Count != LayerCount)
        {
            throw new ArgumentException($"Expected {LayerCount} layers of residuals; found {residuals.Count}.", nameof(residuals));
        }

        for (int l = 0; l < LayerCount; l++)
        {
            _layers[l].Add(residuals[l]);
        }
    }

    /// <summary>Folds in another partial of the same shape.</summary>
    /// <exception cref="ArgumentException">The layer counts or widths differ.</exception>
    public void Merge(LayerStatistics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.LayerCount != LayerCount)
        {
            throw new ArgumentException($"Cannot merge statistics of {other.LayerCount} layers into {LayerCount}.", nameof(other));
        }

        for (int l = 0; l < LayerCount; l++)
        {
            _layers[l].Merge(other._layers[l]);
        }
    }

    /// <summary>A deep copy.</summary>
    public LayerStatistics Clone() => new([.. _layers.Select(g => g.Clone())]);

    /// <summary>The means μ_l stacked as a float64 CPU tensor [layers, H].</summary>
    public Tensor Means()
    {
        double[] flat = new double[LayerCount * Hidden];
        for (int l = 0; l < LayerCount; l++)
        {
            _layers[l].Mean.CopyTo(flat.AsSpan(l * Hidden));
        }

        return tensor(flat, [LayerCount, Hidden], ScalarType.Float64);
    }

    /// <summary>The partial as bytes: "LST1", the layer count (int32), then each layer's <see cref="GroupStatistics.ToBytes"/>.</summary>
    public byte[] ToBytes()
    {
        int each = GroupStatistics.ByteLength(Hidden);
        byte[] bytes = new byte[8 + (each * LayerCount)];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), LayerCount);
        for (int l = 0; l < LayerCount; l++)
        {
            _layers[l].Write(bytes.AsSpan(8 + (l * each)));
        }

        return bytes;
    }

    /// <summary>Reads what <see cref="ToBytes"/> wrote.</summary>
    /// <exception cref="FormatException">The bytes are not serialised layer statistics.</exception>
    public static LayerStatistics FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 8 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic)
        {
            throw new FormatException("Not serialised layer statistics: the 'LST1' header is missing.");
        }

        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
        if (count < 1)
        {
            throw new FormatException($"Layer statistics header says {count} layers.");
        }

        var layers = new GroupStatistics[count];
        int offset = 8;
        for (int l = 0; l < count; l++)
        {
            layers[l] = GroupStatistics.Read(bytes[offset..], out int used);
            if (layers[l].Hidden != layers[0].Hidden)
            {
                throw new FormatException($"Layer {l} has width {layers[l].Hidden}; layer 0 has {layers[0].Hidden}.");
            }

            offset += used;
        }

        if (offset != bytes.Length)
        {
            throw new FormatException($"Layer statistics take {offset} bytes; found {bytes.Length}.");
        }

        return new LayerStatistics(layers);
    }
}
