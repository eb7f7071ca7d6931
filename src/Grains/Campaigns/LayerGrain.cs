using Geode.Analysis.Statistics;

namespace Geode.Grains.Campaigns;

/// <summary>
/// Merges one stream's partial statistics from capture shards, exactly once per shard, and keeps
/// them in grain storage so a restarted cluster still has them. Pure bookkeeping around
/// <see cref="ActivationStatistics.Merge"/>; no torch work beyond adding vectors.
/// </summary>
public sealed class LayerGrain([PersistentState("layer", CampaignGrain.StorageName)] IPersistentState<LayerRecord> state) : Grain, ILayerGrain
{
    /// <inheritdoc />
    public async Task<bool> Merge(int shard, byte[] partial)
    {
        ArgumentNullException.ThrowIfNull(partial);
        if (state.State.Shards.Contains(shard))
        {
            return false;
        }

        ActivationStatistics incoming = ActivationStatistics.FromBytes(partial);
        if (state.State.Statistics.Length > 0)
        {
            ActivationStatistics merged = ActivationStatistics.FromBytes(state.State.Statistics);
            merged.Merge(incoming);
            incoming = merged;
        }

        state.State.Statistics = incoming.ToBytes();
        state.State.Shards.Add(shard);
        await state.WriteStateAsync();
        return true;
    }

    /// <inheritdoc />
    public Task<byte[]> Statistics() => Task.FromResult(state.State.Statistics);

    /// <inheritdoc />
    public Task<int> Shards() => Task.FromResult(state.State.Shards.Count);
}
