using Geode.Analysis.Statistics;
using Geode.Grains.Storage;

namespace Geode.Grains.Campaigns;

/// <summary>
/// Merges one stream's partial statistics from capture shards, exactly once per shard, and keeps
/// them in grain storage so a restarted cluster still has them. Pure bookkeeping around
/// <see cref="ActivationStatistics.Merge"/>; no torch work beyond adding vectors.
/// </summary>
/// <remarks>
/// A merge counts once it is stored: while storage is down the call waits (up to
/// <see cref="StorageWait"/>); if it gives up, the shard is taken back out, so the coordinator's
/// retry merges it again instead of finding it "already merged" but never saved.
/// </remarks>
public sealed class LayerGrain([PersistentState("layer", CampaignGrain.StorageName)] IPersistentState<LayerRecord> state, PatientStorage storage) : Grain, ILayerGrain
{
    /// <summary>How long a merge waits for storage before it fails (the coordinator then runs the shard again).</summary>
    public static TimeSpan StorageWait { get; } = TimeSpan.FromMinutes(10);

    /// <inheritdoc />
    public async Task<bool> Merge(int shard, byte[] partial)
    {
        ArgumentNullException.ThrowIfNull(partial);
        LayerRecord record = state.State;
        if (record.Shards.Contains(shard))
        {
            return false;
        }

        ActivationStatistics incoming = ActivationStatistics.FromBytes(partial);
        if (record.Statistics.Length > 0)
        {
            ActivationStatistics merged = ActivationStatistics.FromBytes(record.Statistics);
            merged.Merge(incoming);
            incoming = merged;
        }

        byte[] before = record.Statistics;
        record.Statistics = incoming.ToBytes();
        record.Shards.Add(shard);
        try
        {
            using var timeout = new CancellationTokenSource(StorageWait);
            await storage.WriteAsync(state, $"layer {this.GetPrimaryKeyString()}", (stored, mine) => stored.Shards.All(mine.Shards.Contains), waiting: null, timeout.Token);
        }
        catch when (ReferenceEquals(state.State, record))
        {
            record.Statistics = before;
            record.Shards.Remove(shard);
            throw;
        }

        return true;
    }

    /// <inheritdoc />
    public Task<byte[]> Statistics() => Task.FromResult(state.State.Statistics);

    /// <inheritdoc />
    public Task<int> Shards() => Task.FromResult(state.State.Shards.Count);
}
