using Geode.Model.Edits;

namespace Geode.Model.Inference;

/// <summary>Seeded sampling instead of greedy decoding.</summary>
/// <param name="Temperature">Logits are divided by this before sampling (must be positive).</param>
/// <param name="TopK">Keep only the k most likely tokens; 0 keeps all.</param>
/// <param name="TopP">Keep the smallest set of tokens whose probability reaches p; 1 keeps all.</param>
/// <param name="Seed">Seed of the sampler's generator: the same seed gives the same tokens.</param>
public sealed record SamplingOptions(double Temperature = 1.0, int TopK = 0, double TopP = 1.0, long Seed = 0);

/// <summary>How to generate.</summary>
/// <param name="MaxNewTokens">The most tokens to add per row.</param>
public sealed record GenerationOptions(int MaxNewTokens = 128)
{
    /// <summary>Token ids that end a row; null takes the model's own (config and generation_config).</summary>
    public IReadOnlyList<int>? StopIds { get; init; }

    /// <summary>Decode with a KV cache (fast) or re-run the whole sequence each step (for checking the cache).</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>Sampling settings, or null for greedy decoding.</summary>
    public SamplingOptions? Sampling { get; init; }

    /// <summary>Writer edits applied throughout, or null.</summary>
    public ActivationEdits? Edits { get; init; }

    /// <summary>
    /// Called after each new token of a row that has not stopped, with the row's index and its
    /// tokens so far; returning true ends the row there (its outcome is settled, e.g. a judge's
    /// verdict can no longer change). Null lets every row run to a stop token or the limit.
    /// </summary>
    public Func<int, IReadOnlyList<int>, bool>? RowSettled { get; init; }

    /// <summary>
    /// Each row's own token limit (at most <see cref="MaxNewTokens"/>), or null for
    /// <see cref="MaxNewTokens"/> everywhere: a row resumed from earlier tokens has fewer left.
    /// </summary>
    public IReadOnlyList<int>? RowLimits { get; init; }

    /// <summary>
    /// When fewer than this many rows are still generating, stop and return them as paused (their
    /// tokens so far), so a caller with more work can resume them in a fuller batch instead of
    /// paying a whole step for a handful of rows. 0 never pauses.
    /// </summary>
    public int PauseBelow { get; init; }
}

/// <summary>What generation produced, per row.</summary>
/// <param name="Tokens">The new tokens of each row, up to and including its stop token.</param>
/// <param name="Stopped">True where a row ended on a stop token rather than the token limit.</param>
public sealed record GenerationResult(IReadOnlyList<int[]> Tokens, IReadOnlyList<bool> Stopped)
{
    /// <summary>True where <see cref="GenerationOptions.RowSettled"/> ended a row early; null when it was not asked.</summary>
    public IReadOnlyList<bool>? Settled { get; init; }

    /// <summary>True where a row was still generating when <see cref="GenerationOptions.PauseBelow"/> stopped the batch; null when it was not asked.</summary>
    public IReadOnlyList<bool>? Paused { get; init; }
}
