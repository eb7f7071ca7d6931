namespace Geode.Grains.Campaigns;

/// <summary>
/// The aggregator of one residual stream of one campaign (key: <c>campaign/stream</c>): merges the
/// partial statistics (count, sum, Welford M2 per class and category) capture shards send, each
/// shard once, so class means never need a second pass over the prompts (DESIGN §1.4).
/// </summary>
public interface ILayerGrain : IGrainWithStringKey
{
    /// <summary>Merges shard <paramref name="shard"/>'s partial statistics; false when that shard was already merged.</summary>
    Task<bool> Merge(int shard, byte[] partial);

    /// <summary>The merged statistics (the bytes of <c>ActivationStatistics</c> with one layer), or empty before any merge.</summary>
    Task<byte[]> Statistics();

    /// <summary>How many shards were merged.</summary>
    Task<int> Shards();
}
