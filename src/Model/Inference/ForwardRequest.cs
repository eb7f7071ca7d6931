using Geode.Model.Edits;
using static TorchSharp.torch;

namespace Geode.Model.Inference;

/// <summary>
/// One batched forward pass. Capture and edits are parameters here, not hooks: what the caller
/// asks for is exactly what runs.
/// </summary>
/// <param name="InputIds">Token ids [B, T], int64, left-padded.</param>
/// <param name="AttentionMask">1 for real tokens, 0 for padding [B, T]. Positions are cumsum(mask) − 1.</param>
public sealed record ForwardRequest(Tensor InputIds, Tensor AttentionMask)
{
    /// <summary>Residual states to return, or null for none.</summary>
    public ResidualCapture? Capture { get; init; }

    /// <summary>Writer edits in activation space, or null to run the model as loaded.</summary>
    public ActivationEdits? Edits { get; init; }

    /// <summary>Which logits to compute.</summary>
    public LogitsScope Logits { get; init; } = LogitsScope.All;

    /// <summary>Keep autograd on, for training: the pass keeps what a backward pass needs.</summary>
    public bool TrackGradients { get; init; }

    /// <summary>A KV cache to extend (the tokens continue what it holds), or null for a standalone pass.</summary>
    public KvCache? Cache { get; init; }
}
