namespace Geode.Grains.Campaigns;

/// <summary>One shard of a stage: a job over a consecutive range of the campaign's prompts.</summary>
/// <param name="Campaign">The campaign.</param>
/// <param name="Job"><c>generate</c> (generate and judge) or <c>capture</c> (residuals at the capture position).</param>
/// <param name="Start">The first prompt's index in the job's prompt list.</param>
/// <param name="Count">How many prompts.</param>
[GenerateSerializer]
[Immutable]
[Alias("geode.shard-work")]
public sealed record ShardWork(
    [property: Id(0)] CampaignRequest Campaign,
    [property: Id(1)] string Job,
    [property: Id(2)] int Start,
    [property: Id(3)] int Count);
