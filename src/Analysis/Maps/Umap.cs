using Geode.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Geode.Analysis.Maps;

/// <summary>
/// UMAP (McInnes, Healy &amp; Melville 2018): find y ∈ R^{N×d} whose similarities
/// φ_ij = 1 / (1 + a‖y_i − y_j‖^{2b}) match the input's fuzzy neighbour graph w_ij in cross-entropy.
/// This is an exact, seeded implementation for maps of up to a few thousand points.
/// </summary>
public static class Umap
{
    // The PCA start is scaled into [−10, 10]: the box the reference implementation puts its spectral
    // start in, and the scale its default learning rate and gradient clip were tuned for.
    private const double InitialExtent = 10.0;

    /// <summary>
    /// Embeds the rows of <paramref name="data"/>:
    /// (1) exact Euclidean k-nearest neighbours, k = n_neighbors − 1 (brute force, ties to the lower index);
    /// (2) the fuzzy simplicial set — per-point ρ (nearest distance) and σ by bisection so that
    /// Σ_j exp(−max(0, d_ij − ρ_i)/σ_i) = log₂ n_neighbors — symmetrised by fuzzy union;
    /// (3) a PCA start (top d components, scaled into [−10, 10]) — deterministic, unlike a noisy
    /// spectral start, and it keeps the global arrangement the input's principal axes show;
    /// (4) SGD with negative sampling on the curve (a, b) fitted from min_dist and spread.
    /// The same input, options and seed give bit-identical coordinates (the optimisation is
    /// single-threaded; the distances are computed per pair, independent of thread count).
    /// </summary>
    /// <param name="data">Activations [N, H], any floating dtype; N ≥ n_neighbors, H ≥ dimensions.</param>
    /// <param name="options">Parameters; <see cref="UmapOptions.Default"/> when null.</param>
    /// <exception cref="BadInputException">The matrix or a parameter is out of range.</exception>
    public static UmapEmbedding Embed(Tensor data, UmapOptions? options = null)
    {
        options ??= UmapOptions.Default;
        options.Validate();
        UmapCurve curve = UmapCurve.Fit(options.MinDist, options.Spread);

        using var scope = torch.NewDisposeScope();
        Tensor x = MapInput.ToFloat64Matrix(data, nameof(data), minRows: Math.Max(options.Neighbours, options.Dimensions + 1));
        if (x.shape[1] < options.Dimensions)
        {
            throw new BadInputException(
                $"UMAP cannot map {x.shape[1]}-dimensional data into {options.Dimensions} dimensions.", field: "dimensions");
        }

        int n = (int)x.shape[0];
        int dim = options.Dimensions;
        FuzzyGraph graph = FuzzyGraph.Build(NearestNeighbours.Exact(x, options.Neighbours - 1));
        double[] y = InitialLayout(x, dim);
        UmapLayout.Optimise(y, dim, graph, curve, options);

        var coordinates = new double[n, dim];
        Buffer.BlockCopy(y, 0, coordinates, 0, y.Length * sizeof(double));
        return new UmapEmbedding(coordinates, curve, options);
    }

    // Row-major [N, dim] PCA scores, scaled so the largest |coordinate| is InitialExtent.
    private static double[] InitialLayout(Tensor x, int dim)
    {
        double[,] scores = Pca.Fit(x, dim).Scores;
        var y = new double[scores.Length];
        Buffer.BlockCopy(scores, 0, y, 0, y.Length * sizeof(double));
        double extent = y.Max(Math.Abs);
        double scale = extent > 0 ? InitialExtent / extent : 1.0;
        for (int i = 0; i < y.Length; i++)
        {
            y[i] *= scale;
        }

        return y;
    }
}
