using Geode.Analysis.Statistics;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Statistics;

public sealed class WinsorizationTests
{
    public WinsorizationTests() => Torch.Start();

    private static Tensor Matrix() => tensor(new double[] { 1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12 }, [4, 3]);

    [Fact]
    public void Threshold_is_the_interpolated_quantile_of_absolute_values()
    {
        using var scope = NewDisposeScope();

        // |a| sorted = 1..12 (N = 12). q = 0.9: p = 0.9 × 11 = 9.9, between v₉ = 10 and v₁₀ = 11 → 10.9.
        Assert.Equal(10.9, Winsorization.Threshold(Matrix(), 0.9), 1e-12);
        // q = 0.5: p = 5.5 → 6 + 0.5 × (7 − 6) = 6.5.
        Assert.Equal(6.5, Winsorization.Threshold(Matrix(), 0.5), 1e-12);
        // q = 0.995: p = 10.945 → 11 + 0.945 × 1 = 11.945.
        Assert.Equal(11.945, Winsorization.Threshold(Matrix().to(ScalarType.Float32)), 1e-6);
        Assert.Equal(12, Winsorization.Threshold(Matrix(), 1), 1e-12);
        Assert.Equal(1, Winsorization.Threshold(Matrix(), 0), 1e-12);
    }

    [Fact]
    public void Clipped_means_clamp_every_element_to_the_threshold()
    {
        using var scope = NewDisposeScope();

        // τ = 10.9 clamps 11 → 10.9 and −12 → −10.9; −10 stays.
        // columns: (1 − 4 + 7 − 10)/4 = −1.5; (−2 + 5 − 8 + 10.9)/4 = 1.475; (3 − 6 + 9 − 10.9)/4 = −1.225.
        double[] means = Torch.Values(Winsorization.ClippedMean(Matrix(), 10.9));

        Assert.Equal(-1.5, means[0], 1e-12);
        Assert.Equal(1.475, means[1], 1e-12);
        Assert.Equal(-1.225, means[2], 1e-12);
        Assert.Equal(10.9, Winsorization.Clamp(Matrix(), 10.9).max().item<double>(), 1e-12);
        Assert.Equal(-10.9, Winsorization.Clamp(Matrix(), 10.9).min().item<double>(), 1e-12);
    }
}
