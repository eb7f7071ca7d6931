namespace Geode.Model.Inference;

/// <summary>Which positions a forward pass computes logits for (the LM head is costly at large vocabularies).</summary>
public enum LogitsScope
{
    /// <summary>Every position: [B, T, V].</summary>
    All,

    /// <summary>The last position only: [B, 1, V].</summary>
    Last,

    /// <summary>None (capture-only passes).</summary>
    None,
}
