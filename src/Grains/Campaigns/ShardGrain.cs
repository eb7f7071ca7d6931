using Geode.Campaigns.Execution;
using Geode.Grains.Placement;
using Geode.Grains.Telemetry;
using Geode.Grains.Workers;
using Microsoft.Extensions.Logging;

namespace Geode.Grains.Campaigns;

/// <summary>
/// One shard of a baseline or capture stage, on a compute silo: it parses the campaign (cached per
/// silo), runs the job on the silo's <see cref="IShardRunner"/> (its model worker) and returns the
/// records or activations. A batch that throws is split until the prompts that fail on their own
/// are found (<see cref="ShardBisection"/>); they come back as the outcome's failures. Each attempt is its own activation (the key carries the attempt), so a
/// retry lands wherever placement finds a live compute silo, and the coordinator can pin it to the
/// silo whose slot freed (<see cref="PlacementPin"/>).
/// </summary>
[ComputePlacement]
public sealed class ShardGrain(IShardRunner runner, CampaignWorkspaces workspaces, GeodeMetrics metrics, ILocalSiloDetails silo, ILogger<ShardGrain> log) : Grain, IShardGrain
{
    /// <inheritdoc />
    public async Task<ShardOutcome> Run(ShardWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            CampaignWorkspace workspace = workspaces.Get(work.Campaign);
            IReadOnlyList<Geode.Analysis.Prompts.PromptRecord> prompts = ShardJobs.PromptsOf(workspace, work.Job).Records;
            ShardOutcome outcome = await ShardBisection.RunAsync(work, part => runner.RunAsync(part, workspace, cancellationToken), StageOf(work.Job), i => prompts[i].Id, silo.Name);
            foreach (PromptFailure failure in outcome.Failures)
            {
                log.LogWarning("Shard {Job} {Start}+{Count} of campaign {Campaign}: prompt {Index} ({Id}) fails on its own and is left out: {Cause}", work.Job, work.Start, work.Count, work.Campaign.Id, failure.Index, failure.PromptId, failure.Cause);
            }

            // Counted where the work ran, so per-silo throughput shows which silo did it.
            metrics.UnitFinished(StageOf(work.Job), GeodeMetrics.Shard, work.Count - outcome.Failures.Count, outcome.Tokens, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            return outcome;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            IEnumerable<string> ids = SafeIds(work);
            log.LogError(e, "Shard {Job} {Start}+{Count} of campaign {Campaign} failed (prompts {Ids})", work.Job, work.Start, work.Count, work.Campaign.Id, string.Join(",", ids));
            throw;
        }
        finally
        {
            DeactivateOnIdle();
        }
    }

    /// <summary>The stage a shard job belongs to: generate shards are the baseline, capture shards the capture.</summary>
    private static string StageOf(string job) => job == "generate" ? "baseline" : "capture";

    private IEnumerable<string> SafeIds(ShardWork work)
    {
        try
        {
            CampaignWorkspace workspace = workspaces.Get(work.Campaign);
            return ShardJobs.PromptsOf(workspace, work.Job).Records.Skip(work.Start).Take(work.Count).Select(r => r.Id);
        }
        catch (Exception)
        {
            return [];
        }
    }
}
