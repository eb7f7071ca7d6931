using Geode.Campaigns.Execution;
using Geode.Grains.Campaigns;

namespace Geode.Grains.Workers;

/// <summary>
/// What a trial grain runs its trial on: the silo's model worker (<see cref="ModelTrialRunner"/>,
/// the default), or a wrapper of it in fault tests. One instance per silo, registered in its services.
/// </summary>
public interface ITrialRunner
{
    /// <summary>Runs <paramref name="work"/> of <paramref name="workspace"/>'s campaign and returns its results fragment.</summary>
    /// <param name="work">The trial: stage, index, argument.</param>
    /// <param name="workspace">The campaign, parsed on this silo.</param>
    /// <param name="progress">Called (on the worker's thread) with the fraction of the trial done, where the trial can tell.</param>
    /// <param name="cancellationToken">Stops the trial (at the next forward pass).</param>
    Task<TrialOutcome> RunAsync(TrialWork work, CampaignWorkspace workspace, Action<double> progress, CancellationToken cancellationToken);
}
