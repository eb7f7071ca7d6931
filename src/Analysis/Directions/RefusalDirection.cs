using Geode.Analysis.Statistics;
using static TorchSharp.torch;

namespace Geode.Analysis.Directions;

/// <summary>
/// The diff-of-means refusal direction r = normalize(μ_refuse − μ_comply), optionally made
/// orthogonal to the harmless mean by two-pass Gram-Schmidt (the study's load-bearing ingredient).
/// </summary>
public static class RefusalDirection
{
    /// <summary>
    /// r = normalize(μ_refuse − μ_comply); with <paramref name="orthogonalizeToComply"/>,
    /// r ← <see cref="OrthogonalizeTwice"/>(r, μ_comply). Float64 [H].
    /// </summary>
    /// <exception cref="ArgumentException">The means differ in shape or coincide.</exception>
    public static Tensor DiffOfMeans(Tensor meanRefuse, Tensor meanComply, bool orthogonalizeToComply = false)
    {
        ArgumentNullException.ThrowIfNull(meanRefuse);
        ArgumentNullException.ThrowIfNull(meanComply);
        if (!meanRefuse.shape.SequenceEqual(meanComply.shape) || meanRefuse.dim() != 1)
        {
            throw new ArgumentException($"Means must both be [H]; found [{string.Join(", ", meanRefuse.shape)}] and [{string.Join(", ", meanComply.shape)}].", nameof(meanComply));
        }

        using var scope = NewDisposeScope();
        Tensor comply = meanComply.to(ScalarType.Float64);
        Tensor direction = Normalize(meanRefuse.to(ScalarType.Float64) - comply, "μ_refuse − μ_comply");
        if (orthogonalizeToComply)
        {
            direction = OrthogonalizeTwice(direction, comply);
        }

        return direction.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// r_l for every stream index of two classes' statistics, stacked float64 [layers, H].
    /// </summary>
    public static Tensor PerLayer(LayerStatistics refuse, LayerStatistics comply, bool orthogonalizeToComply = false)
    {
        ArgumentNullException.ThrowIfNull(refuse);
        ArgumentNullException.ThrowIfNull(comply);
        if (refuse.LayerCount != comply.LayerCount)
        {
            throw new ArgumentException($"The classes have {refuse.LayerCount} and {comply.LayerCount} layers.", nameof(comply));
        }

        using var scope = NewDisposeScope();
        Tensor refuseMeans = refuse.Means();
        Tensor complyMeans = comply.Means();
        Tensor[] rows = [.. Enumerable.Range(0, refuse.LayerCount).Select(l => DiffOfMeans(refuseMeans[l], complyMeans[l], orthogonalizeToComply))];
        return stack(rows).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// With u = normalize(<paramref name="against"/>): v ← v − ⟨v, u⟩ u, done twice (one pass leaves
    /// an O(ε‖v‖/|cos|) residue when v is nearly parallel to u; the second removes it), then
    /// v ← v / ‖v‖. Float64 [H].
    /// </summary>
    /// <exception cref="ArgumentException">v lies in span(u), or u is zero.</exception>
    public static Tensor OrthogonalizeTwice(Tensor direction, Tensor against)
    {
        ArgumentNullException.ThrowIfNull(direction);
        ArgumentNullException.ThrowIfNull(against);
        using var scope = NewDisposeScope();
        Tensor v = direction.to(ScalarType.Float64);
        Tensor u = Normalize(against.to(ScalarType.Float64), "the vector to orthogonalize against");
        for (int pass = 0; pass < 2; pass++)
        {
            v = v - (v.dot(u) * u);
        }

        return Normalize(v, "the direction after removing its component along the harmless mean").MoveToOuterDisposeScope();
    }

    internal static Tensor Normalize(Tensor v, string what)
    {
        double norm = v.norm().item<double>();
        if (!(norm > 1e-300) || !double.IsFinite(norm))
        {
            throw new ArgumentException($"Cannot normalise {what}: its norm is {norm}.");
        }

        return v / norm;
    }
}
