using Geode.Analysis.Evaluation;
using Geode.Campaigns.Artifacts;
using Geode.Campaigns.Execution;
using Geode.Grains.Placement;
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
public sealed class ShardGrain(ModelPool models, CampaignWorkspaces workspaces, ILocalSiloDetails silo, ILogger<ShardGrain> log) : Grain, IShardGrain
{
    /// <inheritdoc />
    public async Task<ShardOutcome> Run(ShardWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            CampaignWorkspace workspace = workspaces.Get(work.Campaign);
            ModelSession session = await models.Get(workspace.Campaign.Model);
            string name = silo.Name;
            if (work.Job == "generate")
            {
                return await session.Worker.RunAsync(lm =>
                {
                    IReadOnlyList<ResponseRecord> records = ShardJobs.Generate(lm, session.Tokenizer, session.Template, workspace, work.Start, work.Count);
                    return new ShardOutcome(ResponseRecordStream.Encode(records, null), null, records.Sum(r => (long)r.Tokens), name, []);
                }, cancellationToken);
            }

            return await session.Worker.RunAsync(lm =>
            {
                (Tensor activations, long tokens) = ShardJobs.Capture(lm, session.Tokenizer, session.Template, workspace, work.Start, work.Count);
                using (activations)
                {
                    return new ShardOutcome([], TensorPayloads.ToPayload(activations), tokens, name, ShardJobs.PartialStatistics(workspace, work.Start, activations));
                }
            }, cancellationToken);
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
