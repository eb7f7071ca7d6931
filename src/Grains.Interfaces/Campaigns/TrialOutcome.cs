namespace Geode.Grains.Campaigns;

/// <summary>A trial's result: a JSON fragment of results.json, and what it cost.</summary>
/// <param name="Json">The fragment.</param>
/// <param name="Tokens">Tokens generated.</param>
/// <param name="Silo">The silo that ran it.</param>
[GenerateSerializer]
[Immutable]
[Alias("geode.trial-outcome")]
public sealed record TrialOutcome(
    [property: Id(0)] string Json,
    [property: Id(1)] long Tokens,
    [property: Id(2)] string Silo)
{
    /// <summary>The prompts the trial left out because processing them alone threw (indexed in the whole prompt set).</summary>
    [Id(3)]
    public IReadOnlyList<PromptFailure> Failures { get; init; } = [];
}
