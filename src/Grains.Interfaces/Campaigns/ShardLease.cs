namespace Geode.Grains.Campaigns;

/// <summary>A shard handed to a worker: prompts [Start, Start + Count) under attempt <paramref name="Attempt"/>.</summary>
[GenerateSerializer]
[Immutable]
[Alias("geode.shard-lease")]
public sealed record ShardLease(
    [property: Id(0)] int Index,
    [property: Id(1)] int Start,
    [property: Id(2)] int Count,
    [property: Id(3)] int Attempt,
    [property: Id(4)] string Worker);
