using Geode.Analysis.Statistics;
using Geode.Benchmarks.Statistics;
using static TorchSharp.torch;

namespace Geode.Benchmarks.Tests;

public sealed class WinsorizationBenchmarksTests
{
    [Fact]
    public void Benchmarks_RunOnce_ClipHalfAPercentOfValues()
    {
        WinsorizationBenchmarks suite = BenchmarkRun.SetUp<WinsorizationBenchmarks>();
        try
        {
            IReadOnlyDictionary<string, object?> results = BenchmarkRun.RunAll(suite);

            double threshold = (double)results["Threshold"]!;
            using var scope = NewDisposeScope();
            double above = (suite.Layer.abs() > threshold).to(ScalarType.Float64).mean().item<double>();
            Assert.InRange(above, 0.0049, 0.0051);
            double expected = suite.Layer.to(ScalarType.Float64).clamp(-threshold, threshold).mean([0]).sum().item<double>();
            Assert.Equal(expected, (double)results["ClippedMean"]!, 1e-9);
            Assert.Equal(threshold, Winsorization.Threshold(suite.Layer));
        }
        finally
        {
            BenchmarkRun.CleanUp(suite);
        }
    }
}
