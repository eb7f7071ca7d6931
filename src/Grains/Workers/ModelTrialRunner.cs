using Geode.Campaigns.Execution;
using Geode.Grains.Campaigns;

namespace Geode.Grains.Workers;

/// <summary>
/// Runs a trial on the silo's model worker, the model in the trial's precision, and hands back its
/// results fragment with the prompts it left out (<see cref="TrialResult.Failed"/>).
/// </summary>
public sealed class ModelTrialRunner(ModelPool models, ILocalSiloDetails silo) : ITrialRunner
{
    /// <inheritdoc />
    public async Task<TrialOutcome> RunAsync(TrialWork work, CampaignWorkspace workspace, Action<double> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(workspace);
        ModelSession session = await models.Get(workspace.Campaign.Model, TrialJobs.DTypeOf(workspace, work.Stage, work.Index));
        string name = silo.Name;
        return await session.Worker.RunAsync(lm =>
        {
            TrialResult result = TrialJobs.Run(lm, session.Tokenizer, session.Template, workspace, work.Stage, work.Index, work.Argument, work.ArtifactDir, progress);
            return new TrialOutcome(result.Json.ToJsonString(), result.Tokens, name)
            {
                Failures = [.. result.Failed.Select(f => new PromptFailure { Stage = work.Stage, Index = f.Index, PromptId = f.Id, Cause = f.Cause })],
            };
        }, cancellationToken);
    }
}
