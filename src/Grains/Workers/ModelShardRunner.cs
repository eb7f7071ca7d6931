using Geode.Analysis.Evaluation;
using Geode.Campaigns.Artifacts;
using Geode.Campaigns.Execution;
using Geode.Grains.Campaigns;
using Geode.Grains.Wire;
using Geode.Model;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Geode.Grains.Workers;

/// <summary>
/// Runs shards on the silo's model worker (DESIGN §3): generate and judge, or capture residuals and
/// their partial statistics, all on the worker's torch thread.
/// </summary>
/// <param name="models">The silo's model pool.</param>
/// <param name="silo">This silo, named in every outcome.</param>
/// <param name="log">Where prompt and response texts go, at debug level only (GEODE_LOG_LEVEL=debug): a shared cluster's logs never hold them otherwise.</param>
public sealed class ModelShardRunner(ModelPool models, ILocalSiloDetails silo, ILogger<ModelShardRunner> log) : IShardRunner
{
    /// <inheritdoc />
    public async Task<ShardOutcome> RunAsync(ShardWork work, CampaignWorkspace workspace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(workspace);
        ModelSession session;
        try
        {
            session = await models.Get(workspace.Campaign.Model);
        }
        catch (Exception e) when (e is not (BadInputException or OperationCanceledException))
        {
            // The worker's fault, not a prompt's: the shard must not be split over it.
            throw new ModelUnavailableException($"{workspace.Campaign.Model.Folder}: the model could not be loaded on this silo: {e.Message}", e);
        }

        string name = silo.Name;
        return work.Job == "generate"
            ? await session.Worker.RunAsync(lm =>
            {
                BaselineResult result = ShardJobs.Generate(lm, session.Tokenizer, session.Template, workspace, work.Start, work.Count);
                IReadOnlyList<ResponseRecord> records = result.Responses;
                if (log.IsEnabled(LogLevel.Debug))
                {
                    foreach (ResponseRecord record in records)
                    {
                        log.LogDebug("Campaign {Campaign} prompt {Id}: {Prompt} -> {Response}", work.Campaign.Id, record.Record.Id, record.Record.Prompt, record.Response);
                    }
                }

                return new ShardOutcome(ResponseRecordStream.Encode(records, null), null, records.Sum(r => (long)r.Tokens), name, [])
                {
                    // Prompts that threw alone inside the evaluation; the shard's other prompts are above.
                    Failures = [.. result.Failed.Select(f => new PromptFailure { Stage = "baseline", Index = work.Start + f.Index, PromptId = f.Id, Cause = f.Cause })],
                };
            }, cancellationToken)
            : await session.Worker.RunAsync(lm =>
            {
                (Tensor activations, long tokens) = ShardJobs.Capture(lm, session.Tokenizer, session.Template, workspace, work.Start, work.Count);
                using (activations)
                {
                    return new ShardOutcome([], TensorPayloads.ToPayload(activations), tokens, name, ShardJobs.PartialStatistics(workspace, work.Start, activations));
                }
            }, cancellationToken);
    }
}
