using System.Buffers.Binary;
using System.Text;
using static TorchSharp.torch;

namespace Geode.Analysis.Statistics;

/// <summary>
/// Per-layer statistics of a captured prompt set, pooled by class (refuse/comply) and by category:
/// each prompt's activations go into its class's and its category's <see cref="LayerStatistics"/>.
/// Shards made from disjoint prompt subsets merge, in any order, into the statistics of the whole set.
/// </summary>
public sealed class ActivationStatistics
{
    private const uint Magic = 0x31545341; // "AST1", little-endian

    private readonly Dictionary<GroupKey, LayerStatistics> _groups = [];

    /// <summary>Empty statistics over <paramref name="layerCount"/> stream indices of width <paramref name="hidden"/>.</summary>
    public ActivationStatistics(int layerCount, int hidden)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layerCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        LayerCount = layerCount;
        Hidden = hidden;
    }

    /// <summary>The number of stream indices.</summary>
    public int LayerCount { get; }

    /// <summary>H.</summary>
    public int Hidden { get; }

    /// <summary>The groups seen so far.</summary>
    public IReadOnlyDictionary<GroupKey, LayerStatistics> Groups => _groups;

    /// <summary>The statistics of one group.</summary>
    /// <exception cref="KeyNotFoundException">No prompt of that group was added.</exception>
    public LayerStatistics this[GroupKey key] => _groups.TryGetValue(key, out LayerStatistics? value)
        ? value
        : throw new KeyNotFoundException($"No activations were added for {key}; groups: {string.Join(", ", _groups.Keys)}.");

    /// <summary>
    /// Folds in one captured batch: <paramref name="residuals"/>[l] is [B, H] at stream index l;
    /// row b belongs to class <paramref name="classes"/>[b] and category <paramref name="categories"/>[b].
    /// </summary>
    /// <exception cref="ArgumentException">Shapes or label counts disagree.</exception>
    public void Add(IReadOnlyList<Tensor> residuals, IReadOnlyList<string> classes, IReadOnlyList<string> categories)
    {
        ArgumentNullException.ThrowIfNull(residuals);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(categories);
        if (residuals.Count != LayerCount)
        {
            throw new ArgumentException($"Expected {LayerCount} layers of residuals; found {residuals.Count}.", nameof(residuals));
        }

        long rows = residuals[0].shape[0];
        if (classes.Count != rows || categories.Count != rows)
        {
            throw new ArgumentException($"The batch has {rows} rows but {classes.Count} classes and {categories.Count} categories.", nameof(classes));
        }

        IEnumerable<GroupKey> keys = classes.Select(c => new GroupKey(GroupKind.Class, c)).Concat(categories.Select(GroupKey.Category)).Distinct();
        foreach (GroupKey key in keys)
        {
            IReadOnlyList<string> labels = key.Kind == GroupKind.Class ? classes : categories;
            long[] members = [.. Enumerable.Range(0, labels.Count).Where(r => labels[r] == key.Name).Select(r => (long)r)];
            using var scope = NewDisposeScope();
            Tensor index = tensor(members, device: residuals[0].device);
            Group(key).Add([.. residuals.Select(r => r.index_select(0, index))]);
        }
    }

    /// <summary>Folds in another shard of the same shape.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public void Merge(ActivationStatistics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.LayerCount != LayerCount || other.Hidden != Hidden)
        {
            throw new ArgumentException($"Cannot merge [{other.LayerCount} layers, H={other.Hidden}] into [{LayerCount}, {Hidden}].", nameof(other));
        }

        foreach ((GroupKey key, LayerStatistics statistics) in other._groups)
        {
            Group(key).Merge(statistics);
        }
    }

    /// <summary>
    /// The shard as bytes: "AST1", layers (int32), H (int32), group count (int32), then per group its
    /// kind (byte), name (int32 length + UTF-8) and <see cref="LayerStatistics.ToBytes"/> (int32 length + bytes).
    /// </summary>
    public byte[] ToBytes()
    {
        // Sized exactly up front: a growing stream would copy the (tens of MB) payloads repeatedly.
        (GroupKey Key, byte[] Name, byte[] Payload)[] parts = [.. _groups
            .OrderBy(g => g.Key.Kind).ThenBy(g => g.Key.Name, StringComparer.Ordinal)
            .Select(g => (g.Key, Encoding.UTF8.GetBytes(g.Key.Name), g.Value.ToBytes()))];
        byte[] bytes = new byte[16 + parts.Sum(p => 9 + p.Name.Length + p.Payload.Length)];
        using var stream = new MemoryStream(bytes);
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(LayerCount);
            writer.Write(Hidden);
            writer.Write(parts.Length);
            foreach ((GroupKey key, byte[] name, byte[] payload) in parts)
            {
                writer.Write((byte)key.Kind);
                writer.Write(name.Length);
                writer.Write(name);
                writer.Write(payload.Length);
                writer.Write(payload);
            }
        }

        return bytes;
    }

    /// <summary>Reads what <see cref="ToBytes"/> wrote.</summary>
    /// <exception cref="FormatException">The bytes are not serialised activation statistics.</exception>
    public static ActivationStatistics FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 16 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic)
        {
            throw new FormatException("Not serialised activation statistics: the 'AST1' header is missing.");
        }

        var result = new ActivationStatistics(BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]), BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]));
        int groups = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        int offset = 16;
        for (int g = 0; g < groups; g++)
        {
            var kind = (GroupKind)bytes[offset];
            int nameLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[(offset + 1)..]);
            string name = Encoding.UTF8.GetString(bytes.Slice(offset + 5, nameLength));
            offset += 5 + nameLength;
            int payloadLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[offset..]);
            LayerStatistics statistics = LayerStatistics.FromBytes(bytes.Slice(offset + 4, payloadLength));
            offset += 4 + payloadLength;
            if (statistics.LayerCount != result.LayerCount || statistics.Hidden != result.Hidden)
            {
                throw new FormatException($"Group {name} is [{statistics.LayerCount}, {statistics.Hidden}]; the header says [{result.LayerCount}, {result.Hidden}].");
            }

            result._groups[new GroupKey(kind, name)] = statistics;
        }

        if (offset != bytes.Length)
        {
            throw new FormatException($"Activation statistics take {offset} bytes; found {bytes.Length}.");
        }

        return result;
    }

    private LayerStatistics Group(GroupKey key)
    {
        if (!_groups.TryGetValue(key, out LayerStatistics? statistics))
        {
            statistics = new LayerStatistics(LayerCount, Hidden);
            _groups[key] = statistics;
        }

        return statistics;
    }
}
