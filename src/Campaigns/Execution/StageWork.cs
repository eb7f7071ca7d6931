namespace Geode.Campaigns.Execution;

/// <summary>How a stage's work is split: shards of prompts, or whole-set trials.</summary>
public enum StageWork
{
    /// <summary>Consecutive prompt shards (baseline: generate and judge; capture: residuals).</summary>
    Shards,

    /// <summary>Independent trials, each over the whole prompt set.</summary>
    Trials,
}
