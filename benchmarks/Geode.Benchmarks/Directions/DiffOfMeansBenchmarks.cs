using BenchmarkDotNet.Attributes;
using Geode.Analysis.Directions;
using Geode.Analysis.Statistics;
using Geode.Benchmarks.Workload;
using static TorchSharp.torch;

namespace Geode.Benchmarks.Directions;

/// <summary>
/// The geometry stage on an E2B capture: the diff-of-means direction r_l at every stream from the
/// classes' statistics (with the study's Gram-Schmidt against μ_comply), Cohen's d of the
/// projections at every stream (should_refuse vs safe_control, 40 prompts each), and the top
/// component's share of the stacked Δμ_l.
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet derives a runnable type from every benchmark class.</remarks>
[MemoryDiagnoser]
public class DiffOfMeansBenchmarks
{
    private SyntheticCapture? _capture;
    private LayerStatistics? _refuse;
    private LayerStatistics? _comply;
    private Tensor[] _refuseRows = [];
    private Tensor[] _complyRows = [];
    private Tensor? _deltas;

    /// <summary>The planted directions r_l [36, H] the projections use.</summary>
    internal Tensor Planted => _capture!.Directions;

    /// <summary>μ_comply per stream [36, H] float64.</summary>
    internal Tensor ComplyMeans { get; private set; } = null!;

    /// <summary>Builds the capture and the class statistics.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _capture = SyntheticCapture.Create(Gemma4Shapes.E2BStreams, Gemma4Shapes.E2BHidden);
        var statistics = new ActivationStatistics(_capture.Streams, _capture.Hidden);
        statistics.Add([.. Enumerable.Range(0, _capture.Streams).Select(l => _capture.Activations[l])], _capture.Classes, _capture.Categories);
        _refuse = statistics[GroupKey.Refuse];
        _comply = statistics[GroupKey.Comply];
        ComplyMeans = _comply.Means();
        using Tensor refuseIndex = tensor(_capture.RowsOf("should_refuse"));
        using Tensor complyIndex = tensor(_capture.RowsOf("safe_control"));
        _refuseRows = [.. Enumerable.Range(0, _capture.Streams).Select(l => _capture.Activations[l].index_select(0, refuseIndex))];
        _complyRows = [.. Enumerable.Range(0, _capture.Streams).Select(l => _capture.Activations[l].index_select(0, complyIndex))];
        _deltas = _refuse.Means() - ComplyMeans;
    }

    /// <summary>Frees the native memory.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (Tensor t in _refuseRows.Concat(_complyRows))
        {
            t.Dispose();
        }

        _deltas?.Dispose();
        ComplyMeans.Dispose();
        _capture?.Dispose();
    }

    /// <summary>
    /// r_l = normalize(μ_refuse − μ_comply), orthogonalised twice against μ_comply, for all 36
    /// streams: [36, H] float64. Returns r_l's row norms, freed with the scope so that thousands of
    /// invocations leave no native memory behind.
    /// </summary>
    [Benchmark]
    public double[] PerLayerDirections()
    {
        using var scope = NewDisposeScope();
        return RefusalDirection.PerLayer(_refuse!, _comply!, orthogonalizeToComply: true).norm(1).data<double>().ToArray();
    }

    /// <summary>The directions themselves, for checks: [36, H] float64 in the caller's scope.</summary>
    internal Tensor Directions() => RefusalDirection.PerLayer(_refuse!, _comply!, orthogonalizeToComply: true);

    /// <summary>Cohen's d of ⟨a, r_l⟩ between the two categories at all 36 streams.</summary>
    [Benchmark]
    public double[] CohensDByLayer() => Separation.CohensDByLayer(_refuseRows, _complyRows, _capture!.Directions);

    /// <summary>σ₁² / Σσᵢ² of the stacked class-mean differences [36, H].</summary>
    [Benchmark]
    public double TopComponentShare() => Separation.TopComponentShare(_deltas!);
}
