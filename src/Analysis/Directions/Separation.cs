using Geode.Analysis.Statistics;
using static TorchSharp.torch;

namespace Geode.Analysis.Directions;

/// <summary>
/// How well a direction separates the classes: Cohen's d of the projections ⟨a, r⟩, the peak layer,
/// and how much of the class-mean difference one component holds across a band of layers.
/// </summary>
public static class Separation
{
    /// <summary>
    /// Cohen's d = (m₁ − m₂) / s_p with s_p = √(((n₁−1)s₁² + (n₂−1)s₂²) / (n₁+n₂−2)), over the
    /// projections p = ⟨a, r⟩ of <paramref name="refuse"/> [n₁, H] and <paramref name="comply"/> [n₂, H]
    /// onto <paramref name="direction"/> [H]. Float64.
    /// </summary>
    public static double CohensD(Tensor refuse, Tensor comply, Tensor direction)
    {
        ArgumentNullException.ThrowIfNull(refuse);
        ArgumentNullException.ThrowIfNull(comply);
        ArgumentNullException.ThrowIfNull(direction);
        using var scope = NewDisposeScope();
        Tensor r = direction.to(ScalarType.Float64, refuse.device);
        return CohensD(Project(refuse, r), Project(comply, r.to(comply.device)));
    }

    /// <summary>Cohen's d (pooled SD, as above) of two samples of scalar projections [n₁] and [n₂].</summary>
    /// <exception cref="ArgumentException">Fewer than three values in all, or a group is empty.</exception>
    public static double CohensD(Tensor projectionsA, Tensor projectionsB)
    {
        ArgumentNullException.ThrowIfNull(projectionsA);
        ArgumentNullException.ThrowIfNull(projectionsB);
        using var scope = NewDisposeScope();
        var a = new GroupStatistics(1);
        var b = new GroupStatistics(1);
        a.Add(projectionsA.reshape(-1, 1));
        b.Add(projectionsB.reshape(-1, 1));
        return CohensD(a, b);
    }

    /// <summary>
    /// Cohen's d from mergeable statistics of projections (width 1): projections onto a fixed r merge
    /// across shards like any other statistic.
    /// </summary>
    /// <exception cref="ArgumentException">A statistic is not of width 1, a group is empty, or n₁ + n₂ &lt; 3.</exception>
    public static double CohensD(GroupStatistics projectionsA, GroupStatistics projectionsB)
    {
        ArgumentNullException.ThrowIfNull(projectionsA);
        ArgumentNullException.ThrowIfNull(projectionsB);
        if (projectionsA.Hidden != 1 || projectionsB.Hidden != 1)
        {
            throw new ArgumentException("Cohen's d takes statistics of scalar projections (width 1).", nameof(projectionsA));
        }

        long n1 = projectionsA.Count, n2 = projectionsB.Count;
        if (n1 < 1 || n2 < 1 || n1 + n2 < 3)
        {
            throw new ArgumentException($"Cohen's d needs both groups non-empty and three values in all; found {n1} and {n2}.", nameof(projectionsB));
        }

        double pooled = Math.Sqrt((projectionsA.SumOfSquaredDeviations[0] + projectionsB.SumOfSquaredDeviations[0]) / (n1 + n2 - 2));
        return (projectionsA.Mean[0] - projectionsB.Mean[0]) / pooled;
    }

    /// <summary>
    /// d_l = Cohen's d at every stream index: <paramref name="refuse"/>[l] [n₁, H] and
    /// <paramref name="comply"/>[l] [n₂, H] projected onto <paramref name="directions"/>[l] ([layers, H]).
    /// </summary>
    public static double[] CohensDByLayer(IReadOnlyList<Tensor> refuse, IReadOnlyList<Tensor> comply, Tensor directions)
    {
        ArgumentNullException.ThrowIfNull(refuse);
        ArgumentNullException.ThrowIfNull(comply);
        ArgumentNullException.ThrowIfNull(directions);
        if (refuse.Count != comply.Count || directions.shape[0] != refuse.Count)
        {
            throw new ArgumentException($"Layer counts disagree: {refuse.Count} refuse, {comply.Count} comply, {directions.shape[0]} directions.", nameof(directions));
        }

        using var scope = NewDisposeScope();
        return [.. Enumerable.Range(0, refuse.Count).Select(l => CohensD(refuse[l], comply[l], directions[l]))];
    }

    /// <summary>argmax_l d_l (NaN ignored; the first on ties): the layer where the direction separates best.</summary>
    /// <exception cref="ArgumentException">No finite value.</exception>
    public static int PeakLayer(IReadOnlyList<double> effectSizes)
    {
        ArgumentNullException.ThrowIfNull(effectSizes);
        int best = -1;
        for (int l = 0; l < effectSizes.Count; l++)
        {
            if (!double.IsNaN(effectSizes[l]) && (best < 0 || effectSizes[l] > effectSizes[best]))
            {
                best = l;
            }
        }

        return best >= 0 ? best : throw new ArgumentException("No layer has a defined effect size.", nameof(effectSizes));
    }

    /// <summary>
    /// σ₁² / Σ σᵢ² of the stack D = [Δμ_l]_{l ∈ band} ([band, H], Δμ_l = μ_refuse,l − μ_comply,l):
    /// the share of Σ_l ‖Δμ_l‖² (= ‖D‖²_F) that the top principal direction holds. Uncentred, because
    /// the question is how much of the difference itself one direction carries. 1 for a rank-1 stack,
    /// 1/k for k orthogonal shifts of equal size.
    /// </summary>
    public static double TopComponentShare(Tensor deltas)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        if (deltas.dim() != 2)
        {
            throw new ArgumentException($"Expected a stack [band, H]; found [{string.Join(", ", deltas.shape)}].", nameof(deltas));
        }

        using var scope = NewDisposeScope();
        Tensor energy = linalg.svdvals(deltas.to(ScalarType.Float64)).square();
        double total = energy.sum().item<double>();
        if (!(total > 0))
        {
            throw new ArgumentException("The differences are all zero.", nameof(deltas));
        }

        return energy[0].item<double>() / total;
    }

    private static Tensor Project(Tensor activations, Tensor direction) =>
        activations.to(ScalarType.Float64).matmul(direction);
}
