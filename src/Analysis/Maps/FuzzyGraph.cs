namespace Geode.Analysis.Maps;

/// <summary>
/// UMAP's fuzzy simplicial set as a weighted graph: for each point i, ρ_i is the distance to its
/// nearest neighbour and σ_i solves Σ_j exp(−max(0, d_ij − ρ_i) / σ_i) = log₂ n over its n − 1
/// neighbours, giving directed memberships w_ij = exp(−max(0, d_ij − ρ_i) / σ_i); the fuzzy union
/// w_ij + w_ji − w_ij·w_ji makes them symmetric. Every point is thus connected to at least its
/// nearest neighbour with weight 1, however sparse its region.
/// </summary>
internal sealed class FuzzyGraph
{
    // σ never falls below this share of the mean neighbour distance: when all neighbours sit at
    // about ρ the equation is satisfied by any small σ, and a tiny σ would zero every weight but one.
    private const double MinSigmaScale = 1e-3;
    private const int SearchSteps = 64;
    private const double SearchTolerance = 1e-5;

    private FuzzyGraph(int[] heads, int[] tails, double[] weights)
    {
        Heads = heads;
        Tails = tails;
        Weights = weights;
    }

    /// <summary>Each edge's first endpoint; edges are sorted by (head, tail) and both directions are present.</summary>
    public int[] Heads { get; }

    /// <summary>Each edge's second endpoint.</summary>
    public int[] Tails { get; }

    /// <summary>Each edge's symmetric membership in (0, 1].</summary>
    public double[] Weights { get; }

    /// <summary>Builds the graph from exact neighbour lists of K = n_neighbors − 1 other points each.</summary>
    public static FuzzyGraph Build(NearestNeighbours knn)
    {
        int n = knn.Count, k = knn.K;
        double target = Math.Log2(k + 1);
        var directed = new Dictionary<long, double>(n * k);
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> d = knn.Distances.AsSpan(i * k, k);
            double rho = NearestPositive(d);
            double sigma = SmoothDistance(d, rho, target);
            for (int m = 0; m < k; m++)
            {
                double w = Membership(d[m], rho, sigma);
                directed[Key(i, knn.Indices[(i * k) + m], n)] = w;
            }
        }

        // Both directions of every neighbour pair, ordered by (head, tail) so the SGD visits edges
        // in the same order on every run whatever the dictionary's internal layout.
        var keys = new SortedSet<long>();
        foreach (long key in directed.Keys)
        {
            keys.Add(key);
            keys.Add(Key((int)(key % n), (int)(key / n), n));
        }

        var heads = new List<int>(keys.Count);
        var tails = new List<int>(keys.Count);
        var weights = new List<double>(keys.Count);
        foreach (long key in keys)
        {
            int head = (int)(key / n), tail = (int)(key % n);
            double forward = directed.GetValueOrDefault(key);
            double backward = directed.GetValueOrDefault(Key(tail, head, n));
            double w = forward + backward - (forward * backward);
            if (w > 0)
            {
                heads.Add(head);
                tails.Add(tail);
                weights.Add(w);
            }
        }

        return new FuzzyGraph([.. heads], [.. tails], [.. weights]);
    }

    private static long Key(int head, int tail, int n) => ((long)head * n) + tail;

    private static double Membership(double distance, double rho, double sigma) =>
        distance <= rho ? 1.0 : Math.Exp(-(distance - rho) / sigma);

    // ρ: the nearest *positive* distance, so duplicated points do not pin ρ to 0.
    private static double NearestPositive(ReadOnlySpan<double> sorted)
    {
        foreach (double d in sorted)
        {
            if (d > 0)
            {
                return d;
            }
        }

        return 0;
    }

    // Bisection for σ in Σ_j exp(−max(0, d_j − ρ)/σ) = target; the sum increases with σ, so the
    // bracket doubles upward until it contains the root, then halves.
    private static double SmoothDistance(ReadOnlySpan<double> d, double rho, double target)
    {
        double lo = 0, hi = double.PositiveInfinity, sigma = 1;
        for (int step = 0; step < SearchSteps; step++)
        {
            double sum = 0;
            foreach (double distance in d)
            {
                sum += Membership(distance, rho, sigma);
            }

            if (Math.Abs(sum - target) < SearchTolerance)
            {
                break;
            }

            if (sum > target)
            {
                hi = sigma;
                sigma = (lo + hi) / 2;
            }
            else
            {
                lo = sigma;
                sigma = double.IsPositiveInfinity(hi) ? sigma * 2 : (lo + hi) / 2;
            }
        }

        double mean = 0;
        foreach (double distance in d)
        {
            mean += distance;
        }

        mean /= d.Length;
        return Math.Max(sigma, MinSigmaScale * mean);
    }
}
