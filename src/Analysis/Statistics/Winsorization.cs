using static TorchSharp.torch;

namespace Geode.Analysis.Statistics;

/// <summary>
/// Winsorized activations (the study uses q = 0.995): per layer, τ = Q_q(|a|) over every prompt and
/// dimension of that layer, then every element is clamped to [−τ, τ] before means are taken.
/// </summary>
/// <remarks>
/// The quantile is the one statistic here that is not mergeable from partials: it needs the
/// activation values themselves, which the activation store keeps. Compute τ once per layer over the
/// stored [n, H] matrix of all prompts (both classes), then clamp each batch with that τ and feed the
/// result to <see cref="GroupStatistics.Add"/>; the clipped means merge like any other.
/// </remarks>
public static class Winsorization
{
    /// <summary>The study's quantile.</summary>
    public const double StudyQuantile = 0.995;

    /// <summary>
    /// τ = Q_q(|a|) over all elements of <paramref name="activations"/>, with linear interpolation
    /// between order statistics (numpy's and torch's default): for the sorted values v_0 ≤ … ≤ v_{N−1}
    /// and p = q (N − 1), τ = v_⌊p⌋ + (p − ⌊p⌋)(v_⌈p⌉ − v_⌊p⌋). Computed in float64.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">q is outside [0, 1].</exception>
    /// <exception cref="ArgumentException">The matrix is empty.</exception>
    public static double Threshold(Tensor activations, double quantile = StudyQuantile)
    {
        ArgumentNullException.ThrowIfNull(activations);
        if (!(quantile >= 0 && quantile <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(quantile), quantile, "The quantile must lie in [0, 1].");
        }

        long count = activations.numel();
        if (count == 0)
        {
            throw new ArgumentException("Cannot take a quantile of no values.", nameof(activations));
        }

        using var scope = NewDisposeScope();
        Tensor values = activations.to(ScalarType.Float64).abs().flatten();
        double position = quantile * (count - 1);
        long below = (long)Math.Floor(position);
        long above = Math.Min(below + 1, count - 1);

        // kthvalue is a selection, not a sort, and has no element-count limit (torch.quantile does).
        double low = values.kthvalue(below + 1, 0).values.item<double>();
        double high = above == below ? low : values.kthvalue(above + 1, 0).values.item<double>();
        return low + ((position - below) * (high - low));
    }

    /// <summary>clamp(a, −τ, τ) elementwise, in a's dtype (a new tensor in the caller's scope).</summary>
    public static Tensor Clamp(Tensor activations, double threshold)
    {
        ArgumentNullException.ThrowIfNull(activations);
        ArgumentOutOfRangeException.ThrowIfNegative(threshold);
        return activations.clamp(-threshold, threshold);
    }

    /// <summary>The clipped mean (1/n) Σ clamp(a, −τ, τ) of [n, H] activations, float64 [H].</summary>
    public static Tensor ClippedMean(Tensor activations, double threshold)
    {
        ArgumentNullException.ThrowIfNull(activations);
        using var scope = NewDisposeScope();
        return Clamp(activations.to(ScalarType.Float64), threshold).mean([0]).MoveToOuterDisposeScope();
    }
}
