namespace Geode.Analysis.Forensics;

/// <summary>What a comparison found for one tensor of one fork.</summary>
public enum TensorStatus
{
    /// <summary>Present on both sides with max |ΔW| at or under the tolerance.</summary>
    Unchanged,

    /// <summary>Present on both sides with max |ΔW| over the tolerance.</summary>
    Changed,

    /// <summary>A k/v projection or k norm of a KV-shared Gemma 4 layer: stored, never read, never counted.</summary>
    Unused,

    /// <summary>In the base checkpoint only.</summary>
    OnlyInBase,

    /// <summary>In the fork only.</summary>
    OnlyInFork,
}
