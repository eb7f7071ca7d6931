using Geode.Analysis.Maps;
using Geode.Benchmarks.Maps;

namespace Geode.Benchmarks.Tests;

public sealed class LayerMapBenchmarksTests
{
    [Fact]
    public void Benchmarks_RunOnce_GiveOrthonormalComponentsAndConsistentScores()
    {
        LayerMapBenchmarks suite = BenchmarkRun.SetUp<LayerMapBenchmarks>();
        try
        {
            IReadOnlyDictionary<string, object?> results = BenchmarkRun.RunAll(suite);

            var pca = (PcaResult)results["PcaFit"]!;
            int h = pca.Components.GetLength(1);
            for (int a = 0; a < 2; a++)
            {
                for (int b = 0; b < 2; b++)
                {
                    double dot = Enumerable.Range(0, h).Sum(j => pca.Components[a, j] * pca.Components[b, j]);
                    Assert.Equal(a == b ? 1.0 : 0.0, dot, 1e-10);
                }
            }

            Assert.True(pca.ExplainedVariance[0] >= pca.ExplainedVariance[1]);
            Assert.InRange(pca.ExplainedVarianceRatio.Sum(), 0, 1);

            var knn = (SeparationScore)results["NearestNeighbours"]!;
            Assert.Equal((5, 340), (knn.K, knn.Count));
            var map = (LayerMap)results["FromPca"]!;
            Assert.Equal(knn, map.InputSeparation);
            Assert.Equal(pca.Scores, map.Coordinates);
        }
        finally
        {
            BenchmarkRun.CleanUp(suite);
        }
    }
}
