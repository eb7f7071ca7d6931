namespace Geode.Benchmarks.Workload;

/// <summary>
/// The sizes a real campaign on Gemma 4 has, so each benchmark measures the work a campaign does
/// (src/Model/Random/RandomConfigs.cs holds the full architectures).
/// </summary>
internal static class Gemma4Shapes
{
    /// <summary>Gemma 4 E2B's residual width H.</summary>
    public const int E2BHidden = 1536;

    /// <summary>Gemma 4 E4B's residual width H.</summary>
    public const int E4BHidden = 2560;

    /// <summary>Stream indices a full E2B capture has: the embedding output plus 35 layers (L + 1).</summary>
    public const int E2BStreams = 36;

    /// <summary>Prompts per capture or generate shard: a campaign's default <c>generation.batch</c>.</summary>
    public const int ShardPrompts = 32;

    /// <summary>Layers in a band whose per-prompt differences are stacked for a multi-rank basis.</summary>
    public const int BandLayers = 10;
}
