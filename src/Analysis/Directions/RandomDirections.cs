using static TorchSharp.torch;

namespace Geode.Analysis.Directions;

/// <summary>
/// The null model: N directions drawn uniformly from the unit sphere in R^H (normalised standard
/// Gaussians), so a control is a distribution, not one draw. For a fixed unit vector x, cos(x, u)
/// then has mean 0 and standard deviation 1/√H.
/// </summary>
public static class RandomDirections
{
    /// <summary>
    /// <paramref name="count"/> unit rows, float64 [N, H] on the CPU; the same seed gives the same
    /// directions on every machine (drawn from a CPU generator whatever device they are used on).
    /// </summary>
    public static Tensor Sample(int count, int hidden, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        using var scope = NewDisposeScope();
        using var generator = new Generator(unchecked((ulong)seed), device: CPU);
        Tensor gaussian = randn([count, hidden], dtype: ScalarType.Float64, generator: generator);
        return (gaussian / gaussian.norm(1, keepdim: true)).MoveToOuterDisposeScope();
    }
}
