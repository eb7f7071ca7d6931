using Geode.Model.Weights;
using static TorchSharp.torch;

namespace Geode.Model.Layers;

/// <summary>
/// A weight matrix [R, C] as the model holds it: a float tensor, or int8 codes with a float32 scale
/// per row (<see cref="Int8Rows"/>). Both tensors belong to the <see cref="WeightStore"/>; edits change
/// them in place, so every layer holding this matrix sees the change.
/// </summary>
internal sealed class WeightMatrix(Tensor values, Tensor? rowScales)
{
    /// <summary>The stored tensor: the weight itself, or its int8 codes.</summary>
    public Tensor Values { get; } = values;

    /// <summary>The per-row scales of int8 codes; null for a float weight.</summary>
    public Tensor? RowScales { get; } = rowScales;

    /// <summary>The matrix named <paramref name="name"/> in <paramref name="weights"/>.</summary>
    public static WeightMatrix From(WeightStore weights, string name) => new(weights[name], weights.RowScales(name));

    /// <summary>x Wᵀ + b in x's dtype.</summary>
    public Tensor Linear(Tensor x, Tensor? bias = null) => RowScales is null
        ? nn.functional.linear(x, Values, bias)
        : Int8Rows.Linear(x, Values, RowScales, bias);

    /// <summary>Rows <paramref name="ids"/> (flat) of W in <paramref name="dtype"/>: an embedding lookup, [N, C].</summary>
    public Tensor Rows(Tensor ids, ScalarType dtype) => RowScales is null
        ? Values.index_select(0, ids)
        : Int8Rows.Gather(Values, RowScales, ids, dtype);

    /// <summary>A new float32 copy of W as the forward pass uses it (dequantised when int8).</summary>
    public Tensor ToFloat32() => RowScales is null
        ? Values.to(ScalarType.Float32, copy: true)
        : Int8Rows.Dequantize(Values, RowScales, ScalarType.Float32);
}
