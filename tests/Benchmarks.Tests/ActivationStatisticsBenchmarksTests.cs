using System.Text;
using Geode.Analysis.Statistics;
using Geode.Benchmarks.Statistics;
using static TorchSharp.torch;

namespace Geode.Benchmarks.Tests;

public sealed class ActivationStatisticsBenchmarksTests
{
    [Fact]
    public void Benchmarks_RunOnce_MatchDirectComputation()
    {
        // Arrange
        ActivationStatisticsBenchmarks suite = BenchmarkRun.SetUp<ActivationStatisticsBenchmarks>();
        try
        {
            // Act
            IReadOnlyDictionary<string, object?> results = BenchmarkRun.RunAll(suite);

            // Assert: the shard's comply mean is the plain mean of its comply rows.
            var added = (ActivationStatistics)results["Add"]!;
            long[] comply = [.. Enumerable.Range(0, suite.ShardClasses.Count).Where(i => suite.ShardClasses[i] == "comply").Select(i => (long)i)];
            using (var scope = NewDisposeScope())
            {
                double[] expected = suite.ShardLayers[7].index_select(0, tensor(comply)).to(ScalarType.Float64).mean([0]).data<double>().ToArray();
                double[] actual = added[GroupKey.Comply][7].Mean.ToArray();
                Assert.Equal(comply.Length, added[GroupKey.Comply].Count);
                Assert.True(expected.Zip(actual).All(p => Math.Abs(p.First - p.Second) < 1e-12), "Add's comply mean differs from the direct mean.");
            }

            // Setup merged one shard into the running total; the benchmark merged a second.
            Assert.Equal(2L * comply.Length, (long)results["Merge"]!);

            // "AST1" header, then per group: kind, name, length, "LST1" + layers × (16 + 24 H) bytes.
            int layerBytes = 8 + (suite.WholeSet.LayerCount * (16 + (24 * suite.Hidden)));
            int expectedLength = 16 + suite.WholeSet.Groups.Keys.Sum(k => 1 + 4 + Encoding.UTF8.GetByteCount(k.Name) + 4 + layerBytes);
            byte[] bytes = (byte[])results["ToBytes"]!;
            Assert.Equal(expectedLength, bytes.Length);
            Assert.Equal(10, suite.WholeSet.Groups.Count); // 2 classes + 8 categories
            Assert.Equal(bytes, ((ActivationStatistics)results["FromBytes"]!).ToBytes());
        }
        finally
        {
            BenchmarkRun.CleanUp(suite);
        }
    }
}
