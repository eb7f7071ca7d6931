using static TorchSharp.torch;

namespace Geode.Model.Weights;

/// <summary>The precision a model runs in: the dtype it computes in and how its weights are stored.</summary>
/// <param name="Compute">The activations' dtype (and the weights', when <paramref name="Weights"/> is dense).</param>
/// <param name="Weights">Dense weights in <paramref name="Compute"/>, or int8 weight matrices.</param>
public readonly record struct ModelPrecision(ScalarType Compute, WeightFormat Weights = WeightFormat.Dense)
{
    /// <summary>True when the weight matrices are int8 with per-row scales.</summary>
    public bool Int8Weights => Weights == WeightFormat.Int8;
}
