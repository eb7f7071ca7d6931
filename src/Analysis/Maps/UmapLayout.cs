namespace Geode.Analysis.Maps;

/// <summary>
/// UMAP's layout optimisation: stochastic gradient descent on the fuzzy-set cross-entropy
/// Σ_ij w_ij·log(w_ij / φ_ij) + (1 − w_ij)·log((1 − w_ij) / (1 − φ_ij)), φ_ij = 1 / (1 + a‖y_i − y_j‖^{2b}).
/// The attractive term is followed along sampled edges; the repulsive term, summed over all
/// pairs, is estimated by negative sampling of random points.
/// </summary>
internal static class UmapLayout
{
    // Per-coordinate gradient clip: keeps a near-coincident pair from flinging points across the map.
    private const double Clip = 4.0;

    // Keeps the repulsive gradient finite as ‖y_i − y_k‖ → 0.
    private const double RepulsionEpsilon = 1e-3;

    /// <summary>
    /// Runs <see cref="UmapOptions.Epochs"/> epochs on <paramref name="y"/> (row-major [N, dim]) in place.
    /// Edge e is sampled every max_w / w_e epochs, so its expected number of updates is proportional
    /// to its weight (edges sampled less than once in the whole run are never sampled); each sample
    /// pulls both endpoints together and pushes the head away from <see cref="UmapOptions.NegativeSampleRate"/>
    /// uniformly random points. The step size decays linearly, α = α₀(1 − (epoch − 1) / epochs).
    /// Single-threaded with one seeded generator and a fixed edge order, so the result is a
    /// function of the seed alone.
    /// </summary>
    public static void Optimise(double[] y, int dim, FuzzyGraph graph, UmapCurve curve, UmapOptions options)
    {
        int n = y.Length / dim;
        int edges = graph.Weights.Length;
        double maxWeight = graph.Weights.Length == 0 ? 1 : graph.Weights.Max();
        var epochsPerSample = new double[edges];
        var nextSample = new double[edges];
        var epochsPerNegative = new double[edges];
        var nextNegative = new double[edges];
        for (int e = 0; e < edges; e++)
        {
            epochsPerSample[e] = maxWeight / graph.Weights[e];
            nextSample[e] = epochsPerSample[e];
            epochsPerNegative[e] = options.NegativeSampleRate > 0 ? epochsPerSample[e] / options.NegativeSampleRate : double.PositiveInfinity;
            nextNegative[e] = epochsPerNegative[e];
        }

        double a = curve.A, b = curve.B;
        var rng = new SplitMix64(unchecked((ulong)options.Seed));
        // Epochs count from 1 so that an edge of maximal weight (one sample per epoch) is sampled
        // exactly Epochs times.
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            double alpha = options.LearningRate * (1.0 - ((double)(epoch - 1) / options.Epochs));
            for (int e = 0; e < edges; e++)
            {
                if (nextSample[e] > epoch)
                {
                    continue;
                }

                int i = graph.Heads[e], j = graph.Tails[e];
                // ∂/∂y_i of log φ_ij = −2ab‖Δ‖^{2(b−1)} / (1 + a‖Δ‖^{2b}) · Δ, Δ = y_i − y_j.
                double d2 = SquaredDistance(y, i, j, dim);
                double attract = d2 > 0 ? -2.0 * a * b * Math.Pow(d2, b - 1.0) / (1.0 + (a * Math.Pow(d2, b))) : 0.0;
                for (int c = 0; c < dim; c++)
                {
                    double g = Math.Clamp(attract * (y[(i * dim) + c] - y[(j * dim) + c]), -Clip, Clip);
                    y[(i * dim) + c] += alpha * g;
                    y[(j * dim) + c] -= alpha * g;
                }

                nextSample[e] += epochsPerSample[e];

                // The negatives owed since this edge's last sample, at NegativeSampleRate per sample.
                // nextNegative never passes nextSample, so this is at least 1 when the rate is.
                int negatives = options.NegativeSampleRate == 0 ? 0 : (int)((epoch - nextNegative[e]) / epochsPerNegative[e]) + 1;
                for (int s = 0; s < negatives; s++)
                {
                    int k = rng.NextInt(n);
                    if (k == i)
                    {
                        continue;
                    }

                    // ∂/∂y_i of log(1 − φ_ik) = 2b / ((ε + ‖Δ‖²)(1 + a‖Δ‖^{2b})) · Δ, Δ = y_i − y_k.
                    double q2 = SquaredDistance(y, i, k, dim);
                    if (q2 == 0)
                    {
                        continue; // Coincident points: the push has no direction; other edges separate them.
                    }

                    double repel = 2.0 * b / ((RepulsionEpsilon + q2) * (1.0 + (a * Math.Pow(q2, b))));
                    for (int c = 0; c < dim; c++)
                    {
                        y[(i * dim) + c] += alpha * Math.Clamp(repel * (y[(i * dim) + c] - y[(k * dim) + c]), -Clip, Clip);
                    }
                }

                nextNegative[e] += negatives * epochsPerNegative[e];
            }
        }
    }

    private static double SquaredDistance(double[] y, int i, int j, int dim)
    {
        double sum = 0;
        for (int c = 0; c < dim; c++)
        {
            double delta = y[(i * dim) + c] - y[(j * dim) + c];
            sum += delta * delta;
        }

        return sum;
    }
}
