using static TorchSharp.torch;

namespace Geode.Model.Layers;

/// <summary>A bias-optional linear map x Wᵀ + b with W stored [out, in] as in checkpoints (float or int8).</summary>
internal sealed class Linear(WeightMatrix weight, Tensor? bias)
{
    public WeightMatrix Weight { get; } = weight;

    public Tensor? Bias { get; } = bias;

    public Tensor Forward(Tensor x) => Weight.Linear(x, Bias);
}
