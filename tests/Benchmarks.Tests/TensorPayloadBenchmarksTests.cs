using Geode.Benchmarks.Wire;
using Geode.Grains.Wire;
using static TorchSharp.torch;

namespace Geode.Benchmarks.Tests;

public sealed class TensorPayloadBenchmarksTests
{
    [Fact]
    public void Benchmarks_RunOnce_CopyTheShardBitForBit()
    {
        TensorPayloadBenchmarks suite = BenchmarkRun.SetUp<TensorPayloadBenchmarks>();
        try
        {
            IReadOnlyDictionary<string, object?> results = BenchmarkRun.RunAll(suite);

            var payload = (TensorPayload)results["ToPayload"]!;
            Assert.Equal([36L, 32L, 1536L], payload.Shape);
            Assert.Equal(suite.Shard.bytes.ToArray(), payload.Data);
            Assert.Equal(36L * 32 * 1536, (long)results["ToTensor"]!);
            using Tensor back = TensorPayloads.ToTensor(payload);
            Assert.Equal(payload.Data, back.bytes.ToArray());
        }
        finally
        {
            BenchmarkRun.CleanUp(suite);
        }
    }
}
