using static TorchSharp.torch;

namespace Geode.Model.Inference;

/// <summary>What a forward pass returns; disposing it frees every tensor in it.</summary>
public sealed class ForwardResult : IDisposable
{
    internal ForwardResult(Tensor? logits, IReadOnlyDictionary<int, Tensor> residuals, Tensor? finalNormed)
    {
        Logits = logits;
        Residuals = residuals;
        FinalNormed = finalNormed;
    }

    /// <summary>Logits [B, T or 1, V] in the model dtype, or null when not requested.</summary>
    public Tensor? Logits { get; }

    /// <summary>Captured h_l by stream index l: [B, H] (last position) or [B, T, H].</summary>
    public IReadOnlyDictionary<int, Tensor> Residuals { get; }

    /// <summary>norm(h_L) at the captured positions, when requested.</summary>
    public Tensor? FinalNormed { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        Logits?.Dispose();
        foreach (Tensor residual in Residuals.Values)
        {
            residual.Dispose();
        }

        FinalNormed?.Dispose();
    }
}
