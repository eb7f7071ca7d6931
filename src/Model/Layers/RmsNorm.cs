using static TorchSharp.torch;

namespace Geode.Model.Layers;

/// <summary>
/// RMSNorm in the three conventions Geode's families use:
/// <c>y = x / √(mean(x²) + ε)</c>, computed in float32, then scaled by <c>w</c> (Gemma 4, Llama),
/// by <c>1 + w</c> (Gemma 3), or not at all (Gemma 4's value norm).
/// </summary>
internal sealed class RmsNorm(Tensor? weight, double eps, bool addOne, bool castBeforeScale)
{
    /// <summary>The stored weight, or null for a weightless norm.</summary>
    public Tensor? Weight { get; } = weight;

    /// <summary>
    /// The effective per-channel gain g (w or 1 + w) in float32, or null for a weightless norm.
    /// Post-norm-aware edits need it: a writer's output reaches the stream as g ⊙ (Wx)/rms(Wx).
    /// </summary>
    public Tensor? Gain() => Weight is null ? null : addOne ? Weight.to(ScalarType.Float32) + 1 : Weight.to(ScalarType.Float32);

    /// <summary>Normalises over the last dimension; the result has <paramref name="x"/>'s dtype.</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor xf = x.to(ScalarType.Float32);

        // transformers computes (ms + ε)^(−½) with pow, matching JAX; rsqrt agrees to float32 rounding.
        Tensor normed = xf * (xf * xf).mean([-1], keepdim: true).add(eps).rsqrt();
        Tensor result;
        if (Weight is null)
        {
            result = normed.to(x.dtype);
        }
        else if (castBeforeScale)
        {
            // Llama casts back to the activation dtype before the (activation-dtype) weight.
            result = Weight * normed.to(x.dtype);
        }
        else
        {
            Tensor gain = Weight.to(ScalarType.Float32);
            result = (addOne ? normed * (gain + 1) : normed * gain).to(x.dtype);
        }

        return result.MoveToOuterDisposeScope();
    }
}
