using BenchmarkDotNet.Attributes;
using Geode.Analysis.Statistics;
using Geode.Benchmarks.Workload;
using static TorchSharp.torch;

namespace Geode.Benchmarks.Statistics;

/// <summary>
/// The mergeable per-layer statistics a capture produces: a shard folds its 32 prompts into the
/// class and category groups (<see cref="ActivationStatistics.Add"/>), the aggregator merges shards
/// (Chan's update) and the partials cross the wire as bytes. 36 stream indices (E2B's 35 layers + 1).
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet derives a runnable type from every benchmark class.</remarks>
[MemoryDiagnoser]
public class ActivationStatisticsBenchmarks
{
    private SyntheticCapture? _capture;
    private Tensor[] _shardLayers = [];
    private string[] _shardClasses = [];
    private string[] _shardCategories = [];
    private ActivationStatistics? _shard;
    private ActivationStatistics? _running;
    private byte[] _wholeSetBytes = [];

    /// <summary>H: Gemma 4 E2B and E4B.</summary>
    [Params(Gemma4Shapes.E2BHidden, Gemma4Shapes.E4BHidden)]
    public int Hidden { get; set; } = Gemma4Shapes.E2BHidden;

    /// <summary>The whole prompt set's statistics (340 prompts, 2 classes + 8 categories).</summary>
    internal ActivationStatistics WholeSet { get; private set; } = null!;

    /// <summary>The first shard's rows [32, H] per stream.</summary>
    internal IReadOnlyList<Tensor> ShardLayers => _shardLayers;

    /// <summary>The first shard's classes.</summary>
    internal IReadOnlyList<string> ShardClasses => _shardClasses;

    /// <summary>The first shard's categories.</summary>
    internal IReadOnlyList<string> ShardCategories => _shardCategories;

    /// <summary>Builds the capture, one shard's statistics and the whole set's.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _capture = SyntheticCapture.Create(Gemma4Shapes.E2BStreams, Hidden);
        _shardLayers = [.. Enumerable.Range(0, _capture.Streams).Select(l => _capture.Activations[l].narrow(0, 0, Gemma4Shapes.ShardPrompts))];
        _shardClasses = _capture.Classes[..Gemma4Shapes.ShardPrompts];
        _shardCategories = _capture.Categories[..Gemma4Shapes.ShardPrompts];
        _shard = Add();
        _running = Add();
        WholeSet = new ActivationStatistics(_capture.Streams, Hidden);
        WholeSet.Add([.. Enumerable.Range(0, _capture.Streams).Select(l => _capture.Activations[l])], _capture.Classes, _capture.Categories);
        _wholeSetBytes = WholeSet.ToBytes();
    }

    /// <summary>Frees the capture's native memory.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (Tensor layer in _shardLayers)
        {
            layer.Dispose();
        }

        _capture?.Dispose();
    }

    /// <summary>One capture shard (32 prompts × 36 streams) folded into fresh statistics, float64.</summary>
    [Benchmark]
    public ActivationStatistics Add()
    {
        var statistics = new ActivationStatistics(_shardLayers.Length, Hidden);
        statistics.Add(_shardLayers, _shardClasses, _shardCategories);
        return statistics;
    }

    /// <summary>One shard's statistics merged into a running total (what a layer aggregator does per shard).</summary>
    [Benchmark]
    public long Merge()
    {
        _running!.Merge(_shard!);
        return _running[GroupKey.Comply].Count;
    }

    /// <summary>The whole set's statistics written as bytes (the artifact and wire form).</summary>
    [Benchmark]
    public byte[] ToBytes() => WholeSet.ToBytes();

    /// <summary>The whole set's statistics read back from bytes.</summary>
    [Benchmark]
    public ActivationStatistics FromBytes() => ActivationStatistics.FromBytes(_wholeSetBytes);
}
