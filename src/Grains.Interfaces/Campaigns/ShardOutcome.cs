namespace Geode.Grains.Campaigns;

/// <summary>What a shard sends back: compact, merged by the coordinator exactly once.</summary>
/// <param name="Records">Per-prompt records as a MessagePack record stream (generate), or empty.</param>
/// <param name="Activations">Residuals [L+1, Count, H] float32 (capture), or null.</param>
/// <param name="Tokens">Tokens generated (generate) or read (capture).</param>
/// <param name="Silo">The silo that ran it.</param>
/// <param name="Statistics">Per stream, the shard's partial statistics by class and category (capture), for the layer aggregators.</param>
[GenerateSerializer]
[Immutable]
[Alias("geode.shard-outcome")]
public sealed record ShardOutcome(
    [property: Id(0)] byte[] Records,
    [property: Id(1)] Wire.TensorPayload? Activations,
    [property: Id(2)] long Tokens,
    [property: Id(3)] string Silo,
    [property: Id(4)] IReadOnlyList<byte[]> Statistics)
{
    /// <summary>
    /// The shard's prompts that failed on their own (in prompt order); empty when the shard ran as
    /// one batch. When there are any, <see cref="Records"/> holds the other prompts' records, and a
    /// capture shard's <see cref="Activations"/> and <see cref="Statistics"/> cover the other prompts
    /// only (rows in prompt order; null and empty when every prompt failed).
    /// </summary>
    [Id(5)]
    public IReadOnlyList<PromptFailure> Failures { get; init; } = [];
}
