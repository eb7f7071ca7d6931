namespace Geode.Model.Config;

/// <summary>Which keys a layer's queries may see.</summary>
public enum AttentionKind
{
    /// <summary>Every earlier position (causal).</summary>
    Full,

    /// <summary>Only the last <see cref="ModelConfig.SlidingWindow"/> positions, itself included.</summary>
    Sliding,
}
