namespace Geode.Grains.Campaigns;

/// <summary>Runs one trial on a compute silo's model worker (key: campaign/stage/trial/attempt).</summary>
public interface ITrialGrain : IGrainWithStringKey
{
    /// <summary>Runs <paramref name="work"/> and returns its results fragment; <paramref name="cancellationToken"/> stops it at the next forward pass.</summary>
    Task<TrialOutcome> Run(TrialWork work, CancellationToken cancellationToken);
}
