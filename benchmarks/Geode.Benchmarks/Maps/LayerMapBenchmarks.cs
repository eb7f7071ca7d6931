using BenchmarkDotNet.Attributes;
using Geode.Analysis.Maps;
using Geode.Benchmarks.Workload;
using static TorchSharp.torch;

namespace Geode.Benchmarks.Maps;

/// <summary>
/// The report's per-layer map of one E2B stream [340, H]: PCA to two components (eigh of the
/// 340 × 340 Gram matrix, the side the code picks when N &lt; H), the leave-one-out 5-NN
/// misclassification of the categories in the H-dimensional space (exact distances), and the whole
/// <see cref="LayerMap.FromPca"/> that does both plus the 2-D score.
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet derives a runnable type from every benchmark class.</remarks>
[MemoryDiagnoser]
public class LayerMapBenchmarks
{
    private SyntheticCapture? _capture;

    /// <summary>One stream's activations [340, H] float32 (the middle stream).</summary>
    internal Tensor Layer { get; private set; } = null!;

    /// <summary>Each row's category.</summary>
    internal IReadOnlyList<string> Labels => _capture!.Categories;

    /// <summary>Builds an E2B capture and picks its middle stream.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _capture = SyntheticCapture.Create(Gemma4Shapes.E2BStreams, Gemma4Shapes.E2BHidden);
        Layer = _capture.Activations[Gemma4Shapes.E2BStreams / 2];
    }

    /// <summary>Frees the capture's native memory.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        Layer.Dispose();
        _capture?.Dispose();
    }

    /// <summary>The top two principal components and scores.</summary>
    [Benchmark]
    public PcaResult PcaFit() => Pca.Fit(Layer, 2);

    /// <summary>Leave-one-out 5-NN over the 340 points in H dimensions.</summary>
    [Benchmark]
    public SeparationScore NearestNeighbours() => SeparationScore.LeaveOneOutKnn(Layer, Labels);

    /// <summary>PCA map plus both separation scores, as the report builds each layer's map.</summary>
    [Benchmark]
    public LayerMap FromPca() => LayerMap.FromPca(Layer, Labels, Gemma4Shapes.E2BStreams / 2);
}
