using Geode.Model.Config;
using static TorchSharp.torch;

namespace Geode.Model.Layers;

/// <summary>
/// Gemma 4's per-layer inputs, computed once per pass from the token ids and the scaled embedding h0:
/// <code>
/// tok  = E_ple[ids] · √P                         [B,T,L·P] → [B,T,L,P]
/// proj = norm((h0 W_projᵀ) · H^−½)               [B,T,L,P], normalised per [P] slice
/// ple  = (proj + tok) · 2^−½
/// </code>
/// </summary>
internal sealed class PerLayerEmbedding(ModelConfig config, WeightMatrix table, Linear projection, RmsNorm projectionNorm)
{
    public Tensor Forward(Tensor ids, Tensor h0)
    {
        using var scope = NewDisposeScope();
        long batch = ids.shape[0], steps = ids.shape[1];
        int layers = config.NumLayers, width = config.PerLayerInputSize;
        // transformers rounds the embedding scale to the table's dtype (the activations' dtype:
        // an int8 table is looked up into it); the other two factors are Python floats applied in
        // the activation dtype.
        Tensor tokens = table.Rows(ids.flatten(), h0.dtype).view(batch, steps, -1) * ScalarIn(Math.Sqrt(width), h0.dtype);
        Tensor projected = projection.Forward(h0) * Math.Pow(config.HiddenSize, -0.5);
        projected = projectionNorm.Forward(projected.view(batch, steps, layers, width));
        Tensor combined = (projected + tokens.view(batch, steps, layers, width)) * Math.Pow(2, -0.5);
        return combined.MoveToOuterDisposeScope();
    }

    /// <summary>A scalar rounded to <paramref name="dtype"/>, as transformers' scaled embeddings apply it.</summary>
    internal static Tensor ScalarIn(double value, ScalarType dtype) => tensor(value, dtype: ScalarType.Float64).to(dtype);
}
