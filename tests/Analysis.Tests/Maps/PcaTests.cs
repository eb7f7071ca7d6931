using Geode.Analysis.Maps;
using Geode.Model;
using Geode.Model.Native;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Maps;

public sealed class PcaTests
{
    public PcaTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    // N > H solves the covariance side, N < H the Gram side; both must find the planted axes.
    [Theory]
    [InlineData(400, 30)]
    [InlineData(60, 500)]
    public void Components_align_with_planted_directions_and_variances_match(int n, int h)
    {
        (Tensor x, double[] u1, double[] u2) = Planted(n, h, seed: 7);

        PcaResult pca = Pca.Fit(x, 2);

        Assert.True(Math.Abs(Cosine(Row(pca.Components, 0), u1)) >= 0.99, $"|cos(pc1, u1)| = {Math.Abs(Cosine(Row(pca.Components, 0), u1))}");
        Assert.True(Math.Abs(Cosine(Row(pca.Components, 1), u2)) >= 0.99, $"|cos(pc2, u2)| = {Math.Abs(Cosine(Row(pca.Components, 1), u2))}");
        // Planted: variance 25 along u1, 4 along u2, 0.05² in each of the H dimensions.
        double total = 25 + 4 + (0.0025 * h);
        Assert.Equal(25, pca.ExplainedVariance[0], 25 * 0.02);
        Assert.Equal(4, pca.ExplainedVariance[1], 4 * 0.02);
        Assert.Equal(25 / total, pca.ExplainedVarianceRatio[0], 0.01);
        Assert.Equal(4 / total, pca.ExplainedVarianceRatio[1], 0.01);
        Assert.True(pca.ExplainedVarianceRatio.Sum() <= 1 + 1e-12);
        Assert.Equal(3.0, pca.Mean.Average(), 0.05);
    }

    [Theory]
    [InlineData(400, 30)]
    [InlineData(60, 500)]
    public void Signs_follow_the_largest_loading_whatever_the_row_order(int n, int h)
    {
        (Tensor x, _, _) = Planted(n, h, seed: 11);

        PcaResult first = Pca.Fit(x, 2);
        PcaResult again = Pca.Fit(x, 2);
        PcaResult reversed = Pca.Fit(x.flip(0), 2);

        Assert.Equal(SyntheticActivations.Flatten(first.Scores), SyntheticActivations.Flatten(again.Scores));
        for (int c = 0; c < 2; c++)
        {
            double[] component = Row(first.Components, c);
            Assert.True(component.MaxBy(Math.Abs) > 0, $"component {c}'s largest loading is negative");
            double[] other = Row(reversed.Components, c);
            Assert.All(component.Zip(other), pair => Assert.Equal(pair.First, pair.Second, 1e-9));
            // Reversing the rows reverses the scores and nothing else.
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(first.Scores[i, c], reversed.Scores[n - 1 - i, c], 1e-9);
            }
        }
    }

    [Fact]
    public void More_components_than_the_centred_rank_are_refused()
    {
        using Tensor x = randn(5, 40, dtype: ScalarType.Float64);

        Assert.Throws<BadInputException>(() => Pca.Fit(x, 5));
        Assert.Throws<BadInputException>(() => Pca.Fit(x.flatten(), 1));
    }

    // X = 3 + 5·z₁u₁ᵀ + 2·z₂u₂ᵀ + 0.05·E: z columns centred, uncorrelated, sample variance exactly 1;
    // u₁ ⟂ u₂ unit; E standard normal noise. The offset checks that PCA centres.
    private static (Tensor X, double[] U1, double[] U2) Planted(int n, int h, int seed)
    {
        var random = new System.Random(seed);
        double[] u1 = Unit(Gaussian(random, h));
        double[] u2 = Unit(Orthogonalise(Gaussian(random, h), u1));
        double[] z1 = Centre(Gaussian(random, n));
        double[] z2 = Orthogonalise(Centre(Gaussian(random, n)), Unit(z1));
        z1 = Scale(Unit(z1), Math.Sqrt(n - 1));
        z2 = Scale(Unit(z2), Math.Sqrt(n - 1));
        var values = new double[n * h];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < h; j++)
            {
                values[(i * h) + j] = 3 + (5 * z1[i] * u1[j]) + (2 * z2[i] * u2[j]) + (0.05 * SyntheticActivations.Normal(random));
            }
        }

        return (tensor(values, [n, h], ScalarType.Float64), u1, u2);
    }

    private static double[] Gaussian(System.Random random, int length) =>
        [.. Enumerable.Range(0, length).Select(_ => SyntheticActivations.Normal(random))];

    private static double[] Centre(double[] v) => [.. v.Select(x => x - v.Average())];

    private static double[] Scale(double[] v, double s) => [.. v.Select(x => x * s)];

    private static double[] Unit(double[] v) => Scale(v, 1 / Math.Sqrt(v.Sum(x => x * x)));

    private static double[] Orthogonalise(double[] v, double[] unit)
    {
        double dot = v.Zip(unit, (a, b) => a * b).Sum();
        return [.. v.Zip(unit, (a, b) => a - (dot * b))];
    }

    private static double Cosine(double[] a, double[] b) =>
        a.Zip(b, (x, y) => x * y).Sum() / Math.Sqrt(a.Sum(x => x * x) * b.Sum(y => y * y));

    private static double[] Row(double[,] m, int r) => [.. Enumerable.Range(0, m.GetLength(1)).Select(j => m[r, j])];
}
