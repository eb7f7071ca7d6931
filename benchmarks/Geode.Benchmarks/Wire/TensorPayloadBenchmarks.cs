using BenchmarkDotNet.Attributes;
using Geode.Benchmarks.Workload;
using Geode.Grains.Wire;
using static TorchSharp.torch;

namespace Geode.Benchmarks.Wire;

/// <summary>
/// A capture shard's activations to and from the wire: residuals [36, 32, 1536] float32 (E2B, one
/// shard of 32 prompts, 7 MB) copied into a <see cref="TensorPayload"/> and back into a tensor.
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet derives a runnable type from every benchmark class.</remarks>
[MemoryDiagnoser]
public class TensorPayloadBenchmarks
{
    private SyntheticCapture? _capture;

    /// <summary>The shard's residuals [36, 32, H] float32, contiguous.</summary>
    internal Tensor Shard { get; private set; } = null!;

    /// <summary>Its payload.</summary>
    internal TensorPayload Payload { get; private set; } = null!;

    /// <summary>Builds an E2B capture and cuts its first shard.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _capture = SyntheticCapture.Create(Gemma4Shapes.E2BStreams, Gemma4Shapes.E2BHidden);
        Shard = _capture.Activations.narrow(1, 0, Gemma4Shapes.ShardPrompts).contiguous();
        Payload = TensorPayloads.ToPayload(Shard);
    }

    /// <summary>Frees the native memory.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        Shard.Dispose();
        _capture?.Dispose();
    }

    /// <summary>Tensor → payload: one copy of the storage into a new byte[].</summary>
    [Benchmark]
    public TensorPayload ToPayload() => TensorPayloads.ToPayload(Shard);

    /// <summary>Payload → tensor: one copy of the bytes into new native storage (freed at once).</summary>
    [Benchmark]
    public long ToTensor()
    {
        using Tensor tensor = TensorPayloads.ToTensor(Payload);
        return tensor.NumberOfElements;
    }
}
