namespace Geode.Model.Config;

/// <summary>What differs from one decoder layer to the next.</summary>
/// <param name="Index">The layer's index, 0-based.</param>
/// <param name="Kind">Full or sliding-window attention.</param>
/// <param name="HeadDim">Head size d of this layer's attention.</param>
/// <param name="IntermediateSize">The MLP width.</param>
/// <param name="Rope">The rotary embedding this layer's queries and keys use.</param>
/// <param name="KvSourceLayer">
/// For a Gemma 4 KV-shared layer, the earlier layer whose keys and values it reuses; null when the
/// layer computes its own.
/// </param>
public sealed record LayerSpec(int Index, AttentionKind Kind, int HeadDim, int IntermediateSize, RopeSpec Rope, int? KvSourceLayer)
{
    /// <summary>True when this layer reuses another layer's keys and values (and has no k/v weights of its own).</summary>
    public bool SharesKv => KvSourceLayer is not null;
}
