using Geode.Analysis.Statistics;
using Geode.Benchmarks.Wire;
using Geode.Grains.Campaigns;

namespace Geode.Benchmarks.Tests;

public sealed class GrainMessageBenchmarksTests
{
    [Fact]
    public void Benchmarks_RunOnce_RoundTripTheMessagesExactly()
    {
        GrainMessageBenchmarks suite = BenchmarkRun.SetUp<GrainMessageBenchmarks>();

        IReadOnlyDictionary<string, object?> results = BenchmarkRun.RunAll(suite);

        ShardOutcome sent = suite.Outcome;
        var received = (ShardOutcome)results["DeserializeOutcome"]!;
        Assert.Equal(sent.Activations!.Data, received.Activations!.Data);
        Assert.Equal(sent.Activations.Shape, received.Activations.Shape);
        Assert.Equal(sent.Activations.DType, received.Activations.DType);
        Assert.Equal((sent.Tokens, sent.Silo), (received.Tokens, received.Silo));
        Assert.Equal(36, received.Statistics.Count);
        Assert.All(sent.Statistics.Zip(received.Statistics), pair => Assert.Equal(pair.First, pair.Second));
        Assert.Equal(1536, ActivationStatistics.FromBytes(received.Statistics[0]).Hidden);

        // The encoding adds framing to the raw bytes, never compresses them.
        long raw = sent.Activations.Data.Length + sent.Statistics.Sum(s => (long)s.Length);
        Assert.InRange(((byte[])results["SerializeOutcome"]!).LongLength, raw, raw + 4096);

        var work = (ShardWork)results["WorkRoundTrip"]!;
        Assert.Equal(suite.Work, work);
        Assert.Contains("name: quickstart", work.Campaign.Yaml, StringComparison.Ordinal);
    }
}
