namespace Geode.Model.Inference;

/// <summary>Which token positions a capture keeps.</summary>
public enum CapturePosition
{
    /// <summary>The last position of each row (with left padding, the last real token).</summary>
    Last,

    /// <summary>Every position: [B, T, H].</summary>
    All,
}

/// <summary>
/// What residual-stream states a forward pass returns: h_l for the listed l in 0..L, where h_0 is
/// the (scaled) embedding and h_l the output of layer l−1.
/// </summary>
/// <param name="Layers">Stream indices l in 0..L.</param>
/// <param name="Position">Which positions to keep.</param>
/// <param name="IncludeFinalNorm">Also return norm(h_L), what transformers reports as its last hidden state.</param>
public sealed record ResidualCapture(IReadOnlyList<int> Layers, CapturePosition Position = CapturePosition.Last, bool IncludeFinalNorm = false)
{
    /// <summary>Every stream index 0..L.</summary>
    public static ResidualCapture AllLayers(int layerCount, CapturePosition position = CapturePosition.Last, bool includeFinalNorm = false) =>
        new([.. Enumerable.Range(0, layerCount + 1)], position, includeFinalNorm);
}
