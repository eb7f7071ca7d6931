namespace Geode.Grains.Campaigns;

/// <summary>Runs one shard on a compute silo's model worker (key: campaign/stage/shard/attempt).</summary>
public interface IShardGrain : IGrainWithStringKey
{
    /// <summary>Runs <paramref name="work"/> and returns its compact result; <paramref name="cancellationToken"/> stops it at the next forward pass.</summary>
    Task<ShardOutcome> Run(ShardWork work, CancellationToken cancellationToken);
}
