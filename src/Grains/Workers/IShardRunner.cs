using Geode.Campaigns.Execution;
using Geode.Grains.Campaigns;

namespace Geode.Grains.Workers;

/// <summary>
/// What a shard grain runs its shard on: the silo's model worker (<see cref="ModelShardRunner"/>,
/// the default) or, for scale-out benchmarks and tests, a <see cref="SimulatedShardRunner"/> that
/// takes a fixed time per prompt. One instance per silo, registered in its services.
/// </summary>
public interface IShardRunner
{
    /// <summary>Runs <paramref name="work"/> of <paramref name="workspace"/>'s campaign and returns its compact result.</summary>
    /// <param name="work">The shard: job and prompt range.</param>
    /// <param name="workspace">The campaign, parsed on this silo.</param>
    /// <param name="cancellationToken">Stops the shard (at the next forward pass on a model worker).</param>
    Task<ShardOutcome> RunAsync(ShardWork work, CampaignWorkspace workspace, CancellationToken cancellationToken);
}
