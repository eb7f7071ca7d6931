using Geode.Campaigns.Execution;
using Geode.Grains.Placement;
using Geode.Grains.Telemetry;
using Geode.Grains.Workers;
using Microsoft.Extensions.Logging;

namespace Geode.Grains.Campaigns;

/// <summary>
/// One trial of a sweep, cascade, descent, selective or diff stage, on a compute silo's
/// <see cref="ITrialRunner"/> (its model worker, the model in the trial's precision). Returns the
/// trial's results fragment as JSON, and reports its progress to the coordinator.
/// </summary>
[ComputePlacement]
public sealed class TrialGrain(ITrialRunner runner, CampaignWorkspaces workspaces, GeodeMetrics metrics, ILogger<TrialGrain> log) : Grain, ITrialGrain
{
    /// <inheritdoc />
    public async Task<TrialOutcome> Run(TrialWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            CampaignWorkspace workspace = workspaces.Get(work.Campaign).Without([.. work.Excluded]);
            var fraction = new TrialFraction();
            Task<TrialOutcome> running = runner.RunAsync(work, workspace, fraction.Set, cancellationToken);

            // The torch thread only writes a number; reports go out from here, once a second at most.
            ICampaignGrain coordinator = GrainFactory.GetGrain<ICampaignGrain>(work.Campaign.Id);
            double reported = 0;
            while (await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(1))) != running)
            {
                double now = fraction.Value;
                if (now > reported)
                {
                    reported = now;
                    await coordinator.Progress(this.GetPrimaryKeyString(), now);
                }
            }

            TrialOutcome outcome = await running;

            // A trial evaluates the whole prompt set under several edits; it reports tokens, not prompts.
            metrics.UnitFinished(work.Stage, GeodeMetrics.Trial, 0, outcome.Tokens, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            return outcome;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Trial {Stage} {Index} ({Argument}) of campaign {Campaign} failed", work.Stage, work.Index, work.Argument, work.Campaign.Id);
            throw;
        }
        finally
        {
            DeactivateOnIdle();
        }
    }
}
