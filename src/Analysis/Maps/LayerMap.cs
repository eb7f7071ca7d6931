using Geode.Model;
using static TorchSharp.torch;

namespace Geode.Analysis.Maps;

/// <summary>
/// A 2-D map of one layer's activations, coloured by category: the coordinates a report plots,
/// how they were made, and the leave-one-out k-NN misclassification rate of the categories both
/// in the map and in the original H-dimensional space. A map that separates categories much
/// better than the input does is drawing structure that is not there.
/// </summary>
/// <param name="Layer">The layer l whose residual stream h_l was mapped.</param>
/// <param name="Method">PCA or UMAP.</param>
/// <param name="Coordinates">[N, 2], one row per prompt, in the order of <paramref name="Labels"/>.</param>
/// <param name="Labels">Each prompt's category.</param>
/// <param name="Parameters">The method's parameters and fitted values by name (PCA:
/// <c>explained_variance_ratio_1</c>, <c>explained_variance_ratio_2</c>; UMAP: <c>n_neighbors</c>,
/// <c>min_dist</c>, <c>spread</c>, <c>n_epochs</c>, <c>seed</c>, <c>a</c>, <c>b</c>).</param>
/// <param name="MapSeparation">Separation of the categories in the map.</param>
/// <param name="InputSeparation">Separation of the categories in the activations themselves.</param>
public sealed record LayerMap(
    int Layer,
    MapMethod Method,
    double[,] Coordinates,
    IReadOnlyList<string> Labels,
    IReadOnlyDictionary<string, double> Parameters,
    SeparationScore MapSeparation,
    SeparationScore InputSeparation)
{
    /// <summary>Maps <paramref name="activations"/> [N, H] by their top two principal components.</summary>
    /// <exception cref="BadInputException">Shapes disagree or k is out of range.</exception>
    public static LayerMap FromPca(Tensor activations, IReadOnlyList<string> labels, int layer, int k = 5)
    {
        SeparationScore input = SeparationScore.LeaveOneOutKnn(activations, labels, k);
        PcaResult pca = Pca.Fit(activations, 2);
        var parameters = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["explained_variance_ratio_1"] = pca.ExplainedVarianceRatio[0],
            ["explained_variance_ratio_2"] = pca.ExplainedVarianceRatio[1],
        };
        return Create(layer, MapMethod.Pca, pca.Scores, labels, parameters, input, k);
    }

    /// <summary>Maps <paramref name="activations"/> [N, H] by UMAP into the plane (<see cref="UmapOptions.Dimensions"/> is forced to 2).</summary>
    /// <exception cref="BadInputException">Shapes disagree, or k or a UMAP parameter is out of range.</exception>
    public static LayerMap FromUmap(Tensor activations, IReadOnlyList<string> labels, int layer, UmapOptions? options = null, int k = 5)
    {
        SeparationScore input = SeparationScore.LeaveOneOutKnn(activations, labels, k);
        UmapEmbedding umap = Umap.Embed(activations, (options ?? UmapOptions.Default) with { Dimensions = 2 });
        UmapOptions used = umap.Options;
        var parameters = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["n_neighbors"] = used.Neighbours,
            ["min_dist"] = used.MinDist,
            ["spread"] = used.Spread,
            ["n_epochs"] = used.Epochs,
            ["seed"] = used.Seed,
            ["learning_rate"] = used.LearningRate,
            ["negative_sample_rate"] = used.NegativeSampleRate,
            ["a"] = umap.Curve.A,
            ["b"] = umap.Curve.B,
        };
        return Create(layer, MapMethod.Umap, umap.Coordinates, labels, parameters, input, k);
    }

    private static LayerMap Create(
        int layer, MapMethod method, double[,] coordinates, IReadOnlyList<string> labels,
        Dictionary<string, double> parameters, SeparationScore input, int k)
    {
        using var scope = NewDisposeScope();
        SeparationScore map = SeparationScore.LeaveOneOutKnn(MapInput.FromArray2D(coordinates), labels, k);
        return new LayerMap(layer, method, coordinates, [.. labels], parameters, map, input);
    }
}
