namespace Geode.Grains.Campaigns;

/// <summary>
/// A prompt that a worker could not process on its own: the shard or batch it was in failed, and
/// run again alone (a shard split in halves until it stood alone, a trial's batch a row at a time)
/// it failed again. The campaign goes on without it and reports it (issue 9).
/// </summary>
/// <remarks>
/// A plain class with get/init properties, as the coordinator's record keeps a list of them and
/// Redis grain storage's JSON serializer must round-trip it.
/// </remarks>
[GenerateSerializer]
[Alias("geode.prompt-failure")]
public sealed class PromptFailure
{
    /// <summary>The stage that ran it: <c>baseline</c>, <c>capture</c>, or a trial stage (<c>sweeps</c>, <c>cascade</c>, <c>descent</c>, <c>selective</c>).</summary>
    [Id(0)]
    public string Stage { get; init; } = string.Empty;

    /// <summary>Its index in the stage's prompt list (the baseline's prompts; the whole set for the other stages).</summary>
    [Id(1)]
    public int Index { get; init; }

    /// <summary>The prompt's id.</summary>
    [Id(2)]
    public string PromptId { get; init; } = string.Empty;

    /// <summary>Why: the exception's type and message, as the worker saw it.</summary>
    [Id(3)]
    public string Cause { get; init; } = string.Empty;
}
