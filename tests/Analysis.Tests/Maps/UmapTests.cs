using System.Diagnostics;
using Geode.Analysis.Maps;
using Geode.Model;
using Geode.Model.Native;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Maps;

public sealed class UmapTests
{
    private readonly ITestOutputHelper _output;

    public UmapTests(ITestOutputHelper output)
    {
        _output = output;
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
    }

    [Fact]
    public void Same_seed_gives_bit_identical_coordinates_and_another_seed_another_map_of_the_same_quality()
    {
        (Tensor points, string[] labels) = SyntheticActivations.GaussianClusters(3, 100, 50, separation: 10, seed: 1);
        using Tensor disposePoints = points;

        UmapEmbedding first = Umap.Embed(points, UmapOptions.Default with { Seed = 42 });
        UmapEmbedding again = Umap.Embed(points, UmapOptions.Default with { Seed = 42 });
        UmapEmbedding other = Umap.Embed(points, UmapOptions.Default with { Seed = 43 });

        Assert.Equal(Bits(first.Coordinates), Bits(again.Coordinates));
        Assert.NotEqual(Bits(first.Coordinates), Bits(other.Coordinates));
        double firstRate = Separation(first.Coordinates, labels);
        double otherRate = Separation(other.Coordinates, labels);
        _output.WriteLine($"seed 42: {firstRate:F4}, seed 43: {otherRate:F4}");
        Assert.True(firstRate <= 0.05 && otherRate <= 0.05, $"seed 42: {firstRate}, seed 43: {otherRate}");
    }

    [Fact]
    public void Both_maps_separate_well_separated_clusters()
    {
        (Tensor points, string[] labels) = SyntheticActivations.GaussianClusters(3, 100, 50, separation: 10, seed: 2);
        using Tensor disposePoints = points;

        LayerMap pca = LayerMap.FromPca(points, labels, layer: 4);
        LayerMap umap = LayerMap.FromUmap(points, labels, layer: 4, UmapOptions.Default with { Seed = 5 });

        _output.WriteLine($"input {pca.InputSeparation.Rate:F4}, PCA {pca.MapSeparation.Rate:F4}, UMAP {umap.MapSeparation.Rate:F4}");
        Assert.True(pca.MapSeparation.Rate <= 0.05, $"PCA map misclassifies {pca.MapSeparation.Rate}");
        Assert.True(umap.MapSeparation.Rate <= 0.05, $"UMAP map misclassifies {umap.MapSeparation.Rate}");
        Assert.Equal(pca.InputSeparation, umap.InputSeparation);
        Assert.Equal((300, 2), (umap.Coordinates.GetLength(0), umap.Coordinates.GetLength(1)));
        Assert.Equal(MapMethod.Umap, umap.Method);
        Assert.Equal(4, umap.Layer);
        Assert.Equal(UmapCurve.Fit(0.1, 1.0).A, umap.Parameters["a"]);
    }

    // Ten clusters with mutually orthogonal centre offsets: any linear 2-D projection piles most of
    // them on top of each other, so PCA must fail here; UMAP succeeds only if its layout
    // optimisation really moves points away from the PCA start.
    [Fact]
    public void Umap_keeps_neighbourhoods_that_a_linear_projection_merges()
    {
        (Tensor points, string[] labels) = SyntheticActivations.GaussianClusters(10, 50, 50, separation: 10, seed: 6);
        using Tensor disposePoints = points;

        LayerMap pca = LayerMap.FromPca(points, labels, layer: 0);
        LayerMap umap = LayerMap.FromUmap(points, labels, layer: 0, UmapOptions.Default with { Seed = 5 });

        _output.WriteLine($"input {pca.InputSeparation.Rate:F4}, PCA {pca.MapSeparation.Rate:F4}, UMAP {umap.MapSeparation.Rate:F4}");
        Assert.True(pca.MapSeparation.Rate >= 0.2, $"PCA map misclassifies only {pca.MapSeparation.Rate}");
        Assert.True(umap.MapSeparation.Rate <= 0.05, $"UMAP map misclassifies {umap.MapSeparation.Rate}");
    }

    [Fact]
    public void Neither_map_invents_separation_in_one_gaussian_with_random_labels()
    {
        (Tensor points, string[] labels) = SyntheticActivations.GaussianWithRandomLabels(300, 50, categories: 3, seed: 3);
        using Tensor disposePoints = points;

        LayerMap pca = LayerMap.FromPca(points, labels, layer: 0);
        LayerMap umap = LayerMap.FromUmap(points, labels, layer: 0, UmapOptions.Default with { Seed = 5 });

        _output.WriteLine($"input {pca.InputSeparation.Rate:F4}, PCA {pca.MapSeparation.Rate:F4}, UMAP {umap.MapSeparation.Rate:F4} (chance ≈ 0.67)");
        Assert.True(pca.MapSeparation.Rate >= 0.4, $"PCA map misclassifies only {pca.MapSeparation.Rate}");
        Assert.True(umap.MapSeparation.Rate >= 0.4, $"UMAP map misclassifies only {umap.MapSeparation.Rate}");
    }

    [Fact]
    public void Thousand_points_in_512_dimensions_map_and_report_their_time()
    {
        (Tensor points, string[] labels) = SyntheticActivations.GaussianClusters(4, 250, 512, separation: 10, seed: 4);
        using Tensor disposePoints = points;

        var clock = Stopwatch.StartNew();
        UmapEmbedding map = Umap.Embed(points, UmapOptions.Default with { Seed = 1 });
        TimeSpan umapTime = clock.Elapsed;
        clock.Restart();
        double mapRate = Separation(map.Coordinates, labels);
        TimeSpan mapScoreTime = clock.Elapsed;
        clock.Restart();
        double inputRate = SeparationScore.LeaveOneOutKnn(points, labels).Rate;
        TimeSpan inputScoreTime = clock.Elapsed;

        _output.WriteLine(
            $"UMAP N = 1000, H = 512, 200 epochs: {umapTime.TotalSeconds:F2} s; k-NN score in the map {mapScoreTime.TotalMilliseconds:F0} ms " +
            $"({mapRate:F4}), in 512-D {inputScoreTime.TotalMilliseconds:F0} ms ({inputRate:F4})");
        Assert.True(mapRate <= 0.05, $"UMAP map misclassifies {mapRate}");
    }

    [Fact]
    public void Bad_parameters_are_refused_before_any_work()
    {
        using Tensor points = randn(20, 5);

        Assert.Throws<BadInputException>(() => Umap.Embed(points, UmapOptions.Default with { Neighbours = 1 }));
        Assert.Throws<BadInputException>(() => Umap.Embed(points, UmapOptions.Default with { Neighbours = 21 }));
        Assert.Throws<BadInputException>(() => Umap.Embed(points, UmapOptions.Default with { MinDist = 2 }));
        Assert.Throws<BadInputException>(() => Umap.Embed(points, UmapOptions.Default with { Epochs = 0 }));
        Assert.Throws<BadInputException>(() => Umap.Embed(points, UmapOptions.Default with { Dimensions = 6 }));
    }

    private static long[] Bits(double[,] values) => [.. SyntheticActivations.Flatten(values).Select(BitConverter.DoubleToInt64Bits)];

    private static double Separation(double[,] coordinates, string[] labels)
    {
        using Tensor map = tensor(SyntheticActivations.Flatten(coordinates), [coordinates.GetLength(0), coordinates.GetLength(1)], ScalarType.Float64);
        return SeparationScore.LeaveOneOutKnn(map, labels).Rate;
    }
}
