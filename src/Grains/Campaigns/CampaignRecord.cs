namespace Geode.Grains.Campaigns;

/// <summary>
/// The coordinator's durable state: small records and paths only (results and artifacts are files
/// in the output folder). Public get/set properties so that Redis grain storage's JSON serializer
/// round-trips it as well as Orleans' own serializer does.
/// </summary>
[GenerateSerializer]
[Alias("geode.campaign-record")]
public sealed class CampaignRecord
{
    /// <summary>What started the campaign; null until started.</summary>
    [Id(0)]
    public CampaignRequest? Request { get; set; }

    /// <summary>Where it is.</summary>
    [Id(1)]
    public CampaignPhase Phase { get; set; }

    /// <summary>The stages to run, in order.</summary>
    [Id(2)]
    public List<string> Stages { get; set; } = [];

    /// <summary>The running stage.</summary>
    [Id(3)]
    public int StageIndex { get; set; }

    /// <summary>The running round of the stage (<c>shards</c>, <c>trials</c>, or a cascade's <c>smoke</c>/<c>confirm</c>).</summary>
    [Id(4)]
    public string Round { get; set; } = string.Empty;

    /// <summary>The running round's units, each merged exactly once.</summary>
    [Id(5)]
    public ShardLedger? Ledger { get; set; }

    /// <summary>For each unit of the round, its index in the stage (a cascade confirms only the rows that passed).</summary>
    [Id(6)]
    public List<int> Units { get; set; } = [];

    /// <summary>The model's SHA-256 (computed once at the start).</summary>
    [Id(7)]
    public string ModelHash { get; set; } = string.Empty;

    /// <summary>The activation-store file the capture stage produced or found.</summary>
    [Id(8)]
    public string? Activations { get; set; }

    /// <summary>Tokens of the running stage so far.</summary>
    [Id(9)]
    public long Tokens { get; set; }

    /// <summary>Seconds per finished stage.</summary>
    [Id(10)]
    public Dictionary<string, double> Seconds { get; set; } = [];

    /// <summary>Seconds the running stage has run in earlier activations.</summary>
    [Id(11)]
    public double StageSeconds { get; set; }

    /// <summary>Units run again after a failure.</summary>
    [Id(12)]
    public int Retries { get; set; }

    /// <summary>Why the campaign failed.</summary>
    [Id(13)]
    public string? Error { get; set; }

    /// <summary>Results that arrived for a unit already merged (a retried or slow worker), dropped.</summary>
    [Id(14)]
    public int Duplicates { get; set; }

    /// <summary>Rounds of the running stage already finished.</summary>
    [Id(15)]
    public List<string> FinishedRounds { get; set; } = [];

    /// <summary>Units merged per silo name: where the work ran.</summary>
    [Id(16)]
    public Dictionary<string, int> Silos { get; set; } = [];

    /// <summary>Units sent to shard or trial grains, first runs and retries alike.</summary>
    [Id(17)]
    public int Launched { get; set; }

    /// <summary>Units merged over the campaign (first results; duplicates not counted).</summary>
    [Id(18)]
    public int Merged { get; set; }

    /// <summary>
    /// CPU seconds the coordinator itself spent dispatching: bookkeeping, merging results (store
    /// writes, sending partial statistics) and saving this record — not the time it waited for
    /// workers (wall seconds where the platform reports no thread CPU time).
    /// </summary>
    [Id(19)]
    public double CoordinatorSeconds { get; set; }

    /// <summary>Backup copies sent of units still running elsewhere (the tail of a round).</summary>
    [Id(20)]
    public int Backups { get; set; }

    /// <summary>Wall seconds of each finished round's dispatch, from its first lease to its last merge, keyed <c>stage/round</c>.</summary>
    [Id(21)]
    public Dictionary<string, double> RoundSeconds { get; set; } = [];

    /// <summary>Wall seconds of the same work as <see cref="CoordinatorSeconds"/>: more on a busy machine, where the coordinator's thread also waits for a core.</summary>
    [Id(22)]
    public double CoordinatorWallSeconds { get; set; }

    /// <summary>Prompts that failed on their own (one entry per stage and index), in the order they were merged.</summary>
    [Id(23)]
    public List<PromptFailure> FailedPrompts { get; set; } = [];
}
