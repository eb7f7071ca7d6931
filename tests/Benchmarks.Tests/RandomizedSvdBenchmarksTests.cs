using Geode.Analysis.Directions;
using Geode.Benchmarks.Directions;
using static TorchSharp.torch;

namespace Geode.Benchmarks.Tests;

public sealed class RandomizedSvdBenchmarksTests
{
    [Fact]
    public void Benchmarks_RunOnce_ReturnOrthonormalVectorsBoundedByTheExactSpectrum()
    {
        RandomizedSvdBenchmarks suite = BenchmarkRun.SetUp<RandomizedSvdBenchmarks>();
        try
        {
            IReadOnlyDictionary<string, object?> results = BenchmarkRun.RunAll(suite);
            using var scope = NewDisposeScope();
            Assert.Equal([400L, 1536L], suite.Differences.shape);
            TruncatedSvd svd = RandomizedSvd.Compute(suite.Differences, RandomizedSvdBenchmarks.Rank);
            Tensor identity = eye(RandomizedSvdBenchmarks.Rank, dtype: ScalarType.Float64);
            double uError = (svd.U.T.matmul(svd.U) - identity).abs().max().item<double>();
            double vError = (svd.V.T.matmul(svd.V) - identity).abs().max().item<double>();
            Assert.True(uError < 1e-10, $"UᵀU − I has max |entry| {uError}.");
            Assert.True(vError < 1e-10, $"VᵀV − I has max |entry| {vError}.");

            // Rayleigh-Ritz values never exceed the true ones: σᵢ(QᵀA) ≤ σᵢ(A), in descending order.
            double[] sketched = svd.SingularValues();
            double[] exact = linalg.svdvals(suite.Differences).data<double>().ToArray();
            for (int i = 0; i < sketched.Length; i++)
            {
                Assert.True(sketched[i] <= exact[i] * (1 + 1e-12), $"σ{i + 1}: sketch {sketched[i]} > exact {exact[i]}.");
                Assert.True(i == 0 || sketched[i] <= sketched[i - 1], "Singular values are not descending.");
            }

            Assert.Equal(exact[0], (double)results["Exact"]!, 1e-9);
            Assert.InRange((double)results["Randomized"]!, 0.9 * exact[0], exact[0] * (1 + 1e-12));
        }
        finally
        {
            BenchmarkRun.CleanUp(suite);
        }
    }
}
