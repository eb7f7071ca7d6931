using static TorchSharp.torch;

namespace Geode.Model.Inference;

/// <summary>
/// Keys and values of every layer that computes its own (Gemma 4's KV-shared layers reuse their
/// source's), preallocated to a capacity so decoding appends in place, plus the attention mask and
/// positions of everything seen so far.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Dictionary<int, (Tensor Keys, Tensor Values)> _layers = [];
    private Tensor? _mask;

    /// <summary>Creates an empty cache for <paramref name="capacity"/> positions.</summary>
    public KvCache(int capacity) => Capacity = capacity;

    /// <summary>The most positions the cache holds.</summary>
    public int Capacity { get; }

    /// <summary>Positions stored so far.</summary>
    public int Length { get; private set; }

    /// <summary>The attention mask [B, Length] of everything stored, or null before the first forward.</summary>
    public Tensor? Mask => _mask;

    /// <summary>Extends the mask with the new tokens' mask [B, T]; returns the full mask [B, Length + T].</summary>
    internal Tensor ExtendMask(Tensor newMask)
    {
        if (Length + newMask.shape[1] > Capacity)
        {
            throw new InvalidOperationException($"KV cache capacity {Capacity} exceeded ({Length} + {newMask.shape[1]}).");
        }

        Tensor full = _mask is null ? newMask.alias() : cat([_mask, newMask], 1);
        _mask?.Dispose();
        _mask = full.DetachFromDisposeScope();
        return _mask;
    }

    /// <summary>Writes the new keys/values [B, nKV, T, d] of <paramref name="layer"/> at the current length; returns all [B, nKV, Length + T, d].</summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        if (!_layers.TryGetValue(layer, out (Tensor Keys, Tensor Values) buffers))
        {
            long[] shape = [keys.shape[0], keys.shape[1], Capacity, keys.shape[3]];
            buffers = (
                zeros(shape, dtype: keys.dtype, device: keys.device).DetachFromDisposeScope(),
                zeros(shape, dtype: values.dtype, device: values.device).DetachFromDisposeScope());
            _layers[layer] = buffers;
        }

        long count = keys.shape[2];
        buffers.Keys.narrow(2, Length, count).copy_(keys);
        buffers.Values.narrow(2, Length, count).copy_(values);
        return (buffers.Keys.narrow(2, 0, Length + count), buffers.Values.narrow(2, 0, Length + count));
    }

    /// <summary>
    /// Keeps only the batch rows <paramref name="rows"/> (int64 indices, in the order given), so rows
    /// that finished stop costing compute. Later passes feed those rows only, in that order.
    /// </summary>
    internal void KeepRows(Tensor rows)
    {
        foreach (int layer in _layers.Keys.ToList())
        {
            (Tensor keys, Tensor values) = _layers[layer];
            _layers[layer] = (keys.index_select(0, rows).DetachFromDisposeScope(), values.index_select(0, rows).DetachFromDisposeScope());
            keys.Dispose();
            values.Dispose();
        }

        if (_mask is not null)
        {
            Tensor kept = _mask.index_select(0, rows).DetachFromDisposeScope();
            _mask.Dispose();
            _mask = kept;
        }
    }

    /// <summary>Marks <paramref name="count"/> more positions as stored, after every layer appended them.</summary>
    internal void Advance(int count) => Length += count;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach ((Tensor keys, Tensor values) in _layers.Values)
        {
            keys.Dispose();
            values.Dispose();
        }

        _layers.Clear();
        _mask?.Dispose();
        _mask = null;
    }
}
