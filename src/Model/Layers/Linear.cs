using static TorchSharp.torch;

namespace Geode.Model.Layers;

/// <summary>A bias-optional linear map x Wᵀ + b with W stored [out, in] as in checkpoints.</summary>
internal sealed class Linear(Tensor weight, Tensor? bias)
{
    public Tensor Weight { get; } = weight;

    public Tensor? Bias { get; } = bias;

    public Tensor Forward(Tensor x) => nn.functional.linear(x, Weight, Bias);
}
