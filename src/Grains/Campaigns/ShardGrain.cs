using Geode.Analysis.Evaluation;
using Geode.Campaigns.Artifacts;
using Geode.Campaigns.Execution;
using Geode.Grains.Placement;
using Geode.Grains.Telemetry;
using Geode.Grains.Wire;
using Geode.Grains.Workers;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Geode.Grains.Campaigns;

/// <summary>
/// One shard of a baseline or capture stage, on a compute silo: it parses the campaign (cached per
/// silo), runs the job on the silo's model worker and returns the records or activations. Each
/// attempt is its own activation (the key carries the attempt), so a retry lands wherever placement
/// finds a live compute silo.
/// </summary>
[ComputePlacement]
public sealed class ShardGrain(ModelPool models, CampaignWorkspaces workspaces, GeodeMetrics metrics, ILocalSiloDetails silo, ILogger<ShardGrain> log) : Grain, IShardGrain
{
    /// <inheritdoc />
    public async Task<ShardOutcome> Run(ShardWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            CampaignWorkspace workspace = workspaces.Get(work.Campaign);
            ModelSession session = await models.Get(workspace.Campaign.Model);
            string name = silo.Name;
            ShardOutcome outcome = work.Job == "generate"
                ? await session.Worker.RunAsync(lm =>
                {
                    IReadOnlyList<ResponseRecord> records = ShardJobs.Generate(lm, session.Tokenizer, session.Template, workspace, work.Start, work.Count);
                    return new ShardOutcome(ResponseRecordStream.Encode(records, null), null, records.Sum(r => (long)r.Tokens), name, []);
                }, cancellationToken)
                : await session.Worker.RunAsync(lm =>
                {
                    (Tensor activations, long tokens) = ShardJobs.Capture(lm, session.Tokenizer, session.Template, workspace, work.Start, work.Count);
                    using (activations)
                    {
                        return new ShardOutcome([], TensorPayloads.ToPayload(activations), tokens, name, ShardJobs.PartialStatistics(workspace, work.Start, activations));
                    }
                }, cancellationToken);

            // Counted where the work ran, so per-silo throughput shows which silo did it.
            metrics.UnitFinished(StageOf(work.Job), GeodeMetrics.Shard, work.Count, outcome.Tokens, System.Diagnostics.Stopwatch.GetElapsedTime(started));
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
