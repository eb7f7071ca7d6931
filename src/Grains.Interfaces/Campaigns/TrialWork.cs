namespace Geode.Grains.Campaigns;

/// <summary>
/// One trial: a unit of a sweep, cascade, descent, selective or diff stage that needs the whole
/// prompt set at once (edits evaluated side by side, re-captures under an edit).
/// </summary>
/// <param name="Campaign">The campaign.</param>
/// <param name="Stage">The stage it belongs to.</param>
/// <param name="Index">The trial's index within its stage (a layer subset, a cascade row, a fork).</param>
/// <param name="Argument">Stage-specific input (e.g. <c>smoke</c> or <c>confirm</c> for a cascade row).</param>
/// <param name="ArtifactDir">The folder the trial writes its artifacts into.</param>
[GenerateSerializer]
[Immutable]
[Alias("geode.trial-work")]
public sealed record TrialWork(
    [property: Id(0)] CampaignRequest Campaign,
    [property: Id(1)] string Stage,
    [property: Id(2)] int Index,
    [property: Id(3)] string Argument,
    [property: Id(4)] string ArtifactDir)
{
    /// <summary>Ids of prompts that failed on their own in an earlier stage: the trial leaves them out.</summary>
    [Id(5)]
    public IReadOnlyList<string> Excluded { get; init; } = [];
}
