using BenchmarkDotNet.Attributes;
using Geode.Analysis.Directions;
using Geode.Benchmarks.Workload;
using static TorchSharp.torch;

namespace Geode.Benchmarks.Directions;

/// <summary>
/// The multi-rank basis's decomposition: per-prompt differences a_refuse,i − μ_comply of the
/// should_refuse prompts stacked over a band of 10 streams, D [400, H] float64, and its top-8
/// singular triplets by <see cref="RandomizedSvd"/> against the exact thin SVD it replaces.
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet derives a runnable type from every benchmark class.</remarks>
[MemoryDiagnoser]
public class RandomizedSvdBenchmarks
{
    /// <summary>k, the basis rank.</summary>
    public const int Rank = 8;

    private SyntheticCapture? _capture;

    /// <summary>D [400, H] float64.</summary>
    internal Tensor Differences { get; private set; } = null!;

    /// <summary>Builds D from the middle band of an E2B capture.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _capture = SyntheticCapture.Create(Gemma4Shapes.E2BStreams, Gemma4Shapes.E2BHidden);
        using var scope = NewDisposeScope();
        using Tensor refuse = tensor(_capture.RowsOf("should_refuse"));
        using Tensor comply = tensor(_capture.RowsOf("safe_control"));
        int first = (Gemma4Shapes.E2BStreams - Gemma4Shapes.BandLayers) / 2;
        Tensor[] blocks = [.. Enumerable.Range(first, Gemma4Shapes.BandLayers).Select(l =>
            MultiRankBasis.Differences(_capture.Activations[l].index_select(0, refuse), _capture.Activations[l].index_select(0, comply).mean([0])))];
        Differences = cat(blocks, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Frees the native memory.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        Differences.Dispose();
        _capture?.Dispose();
    }

    /// <summary>Halko et al.'s sketch: ℓ = 18 columns, two power iterations; returns σ₁.</summary>
    [Benchmark]
    public double Randomized()
    {
        using var scope = NewDisposeScope();
        return RandomizedSvd.Compute(Differences, Rank).S[0].item<double>();
    }

    /// <summary>The exact thin SVD of D (LAPACK through libtorch); returns σ₁.</summary>
    [Benchmark(Baseline = true)]
    public double Exact()
    {
        using var scope = NewDisposeScope();
        return linalg.svd(Differences, fullMatrices: false).S[0].item<double>();
    }
}
