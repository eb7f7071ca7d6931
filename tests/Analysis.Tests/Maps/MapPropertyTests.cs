using FsCheck.Xunit;
using Geode.Analysis.Maps;
using Geode.Model.Native;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Maps;

public sealed class MapPropertyTests
{
    public MapPropertyTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    // With continuous random coordinates no two distances tie, so the neighbour sets — and the
    // score — cannot depend on the order the rows come in.
    [Property(MaxTest = 30)]
    public void Separation_does_not_depend_on_row_order(int seed)
    {
        var random = new System.Random(seed);
        int n = random.Next(8, 60), d = random.Next(1, 6), k = random.Next(1, 6);
        double[] values = [.. Enumerable.Range(0, n * d).Select(_ => SyntheticActivations.Normal(random))];
        string[] labels = [.. Enumerable.Range(0, n).Select(_ => $"l{random.Next(3)}")];
        int[] order = [.. Enumerable.Range(0, n).OrderBy(_ => random.Next())];
        double[] shuffled = [.. order.SelectMany(i => values.Skip(i * d).Take(d))];

        using Tensor original = tensor(values, [n, d], ScalarType.Float64);
        using Tensor permuted = tensor(shuffled, [n, d], ScalarType.Float64);

        Assert.Equal(
            SeparationScore.LeaveOneOutKnn(original, labels, k),
            SeparationScore.LeaveOneOutKnn(permuted, [.. order.Select(i => labels[i])], k));
    }

    // Scores are projections on orthonormal components: their columns are uncorrelated, their
    // variances decrease, and they never explain more than all of the variance.
    [Property(MaxTest = 30)]
    public void Pca_scores_are_uncorrelated_and_ordered(int seed)
    {
        var random = new System.Random(seed);
        int n = random.Next(3, 50), h = random.Next(2, 50);
        int k = Math.Min(3, Math.Min(n - 1, h));
        double[] values = [.. Enumerable.Range(0, n * h).Select(_ => SyntheticActivations.Normal(random) * (1 + random.Next(4)))];
        using Tensor x = tensor(values, [n, h], ScalarType.Float32);

        PcaResult pca = Pca.Fit(x, k);

        Assert.True(pca.ExplainedVarianceRatio.Sum() <= 1 + 1e-9);
        for (int a = 0; a < k; a++)
        {
            if (a > 0)
            {
                Assert.True(pca.ExplainedVariance[a] <= pca.ExplainedVariance[a - 1] * (1 + 1e-9));
            }

            for (int b = a + 1; b < k; b++)
            {
                double covariance = Enumerable.Range(0, n).Sum(i => pca.Scores[i, a] * pca.Scores[i, b]) / (n - 1);
                Assert.True(Math.Abs(covariance) <= 1e-6 * (1 + pca.ExplainedVariance[0]), $"cov(s{a}, s{b}) = {covariance}");
            }
        }
    }
}
