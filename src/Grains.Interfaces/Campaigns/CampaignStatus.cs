namespace Geode.Grains.Campaigns;

/// <summary>A campaign's progress as the coordinator reports it to <c>geode run|status|watch</c>.</summary>
/// <param name="Id">The campaign id.</param>
/// <param name="Phase">Running, succeeded, failed or cancelled.</param>
/// <param name="Stages">The stages it runs, in order.</param>
/// <param name="StageIndex">The index of the running stage in <paramref name="Stages"/> (its count when all are done).</param>
/// <param name="Done">Units of the running stage done (prompts for shard stages, trials otherwise).</param>
/// <param name="Total">Units of the running stage in all.</param>
/// <param name="Unit"><c>prompts</c> or <c>trials</c>.</param>
/// <param name="Tokens">Tokens generated or read by the running stage so far.</param>
/// <param name="StageSeconds">Seconds the running stage has taken so far (across resumes).</param>
/// <param name="Seconds">Seconds the campaign has taken so far (across resumes).</param>
/// <param name="Retries">Shards or trials run again after a worker failed.</param>
/// <param name="Error">Why it failed, or null.</param>
/// <param name="OutDir">The output folder.</param>
/// <param name="Silos">Units (shards and trials) merged per silo name: where the work ran.</param>
/// <param name="Launched">Units sent to workers, retries included; minus the merged units, what was run and lost.</param>
/// <param name="Fraction">The running round's share done, counting what running trials report of themselves.</param>
/// <param name="Merged">Units merged over the campaign (first results only).</param>
/// <param name="CoordinatorSeconds">CPU seconds the coordinator spent on its own work (bookkeeping, merges, saves), not waiting; divided by <paramref name="Merged"/>, its overhead per unit.</param>
/// <param name="Duplicates">Results dropped because their unit was already merged (backups and retries that lost).</param>
/// <param name="Backups">Backup copies sent of units still running elsewhere.</param>
/// <param name="RoundSeconds">Wall seconds of each finished round's dispatch, keyed <c>stage/round</c>.</param>
/// <param name="CoordinatorWallSeconds">Wall seconds of the same work as <paramref name="CoordinatorSeconds"/> (more on a busy machine).</param>
/// <param name="Waiting">What a paused campaign waits for (storage that cannot be reached, since when), or null while it runs.</param>
[GenerateSerializer]
[Immutable]
[Alias("geode.campaign-status")]
public sealed record CampaignStatus(
    [property: Id(0)] string Id,
    [property: Id(1)] CampaignPhase Phase,
    [property: Id(2)] IReadOnlyList<string> Stages,
    [property: Id(3)] int StageIndex,
    [property: Id(4)] int Done,
    [property: Id(5)] int Total,
    [property: Id(6)] string Unit,
    [property: Id(7)] long Tokens,
    [property: Id(8)] double StageSeconds,
    [property: Id(9)] double Seconds,
    [property: Id(10)] int Retries,
    [property: Id(11)] string? Error,
    [property: Id(12)] string OutDir,
    [property: Id(13)] IReadOnlyDictionary<string, int> Silos,
    [property: Id(14)] int Launched,
    [property: Id(15)] double Fraction,
    [property: Id(16)] int Merged,
    [property: Id(17)] double CoordinatorSeconds,
    [property: Id(18)] int Duplicates,
    [property: Id(19)] int Backups,
    [property: Id(20)] IReadOnlyDictionary<string, double> RoundSeconds,
    [property: Id(21)] double CoordinatorWallSeconds,
    [property: Id(22)] string? Waiting = null)
{
    /// <summary>The running stage's name, or null when none runs.</summary>
    public string? Stage => StageIndex >= 0 && StageIndex < Stages.Count ? Stages[StageIndex] : null;

    /// <summary>
    /// Prompts a worker could not process on their own (stage, index, id, cause), in the order they
    /// were found: the campaign went on without them (a baseline), or failed because of them (a capture).
    /// </summary>
    [Id(23)]
    public IReadOnlyList<PromptFailure> FailedPrompts { get; init; } = [];

    /// <summary>Whether the campaign will not change any more.</summary>
    public bool IsFinished => Phase is CampaignPhase.Succeeded or CampaignPhase.Failed or CampaignPhase.Cancelled;
}
