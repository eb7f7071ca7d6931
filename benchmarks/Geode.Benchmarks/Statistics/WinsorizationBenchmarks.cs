using BenchmarkDotNet.Attributes;
using Geode.Analysis.Statistics;
using Geode.Benchmarks.Workload;
using static TorchSharp.torch;

namespace Geode.Benchmarks.Statistics;

/// <summary>
/// Winsorization of one stream's stored activations [340, H] at the study's q = 0.995: the quantile
/// τ (two k-th value selections over N·H float64 values) and the clipped mean. A campaign does this
/// once per stream (36 for E2B).
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet derives a runnable type from every benchmark class.</remarks>
[MemoryDiagnoser]
public class WinsorizationBenchmarks
{
    private SyntheticCapture? _capture;
    private double _threshold;

    /// <summary>One stream's activations [340, H] float32 (the middle stream).</summary>
    internal Tensor Layer { get; private set; } = null!;

    /// <summary>Builds an E2B capture and picks its middle stream.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _capture = SyntheticCapture.Create(Gemma4Shapes.E2BStreams, Gemma4Shapes.E2BHidden);
        Layer = _capture.Activations[Gemma4Shapes.E2BStreams / 2];
        _threshold = Winsorization.Threshold(Layer);
    }

    /// <summary>Frees the capture's native memory.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        Layer.Dispose();
        _capture?.Dispose();
    }

    /// <summary>τ = Q_0.995(|a|) over one stream's 340 × H values.</summary>
    [Benchmark]
    public double Threshold() => Winsorization.Threshold(Layer);

    /// <summary>(1/n) Σ clamp(a, −τ, τ) over one stream, float64 [H], summed to a scalar.</summary>
    [Benchmark]
    public double ClippedMean()
    {
        using var scope = NewDisposeScope();
        return Winsorization.ClippedMean(Layer, _threshold).sum().item<double>();
    }
}
