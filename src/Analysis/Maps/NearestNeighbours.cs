using TorchSharp;
using static TorchSharp.torch;

namespace Geode.Analysis.Maps;

/// <summary>
/// Exact k nearest neighbours under Euclidean distance, the point itself excluded. Row i's
/// neighbours are sorted by (distance, index): equal distances go to the lower index, so the
/// lists — and everything built on them — are the same on every run.
/// </summary>
internal sealed class NearestNeighbours
{
    // Rows of the distance matrix computed at once; bounds the working set to ~32 MB of float64.
    private const long BlockCells = 4_000_000;

    private NearestNeighbours(int count, int k, int[] indices, double[] distances)
    {
        Count = count;
        K = k;
        Indices = indices;
        Distances = distances;
    }

    /// <summary>Number of points N.</summary>
    public int Count { get; }

    /// <summary>Neighbours per point.</summary>
    public int K { get; }

    /// <summary>Row-major [N, K]: the neighbours' row indices, nearest first.</summary>
    public int[] Indices { get; }

    /// <summary>Row-major [N, K]: the distances to them.</summary>
    public double[] Distances { get; }

    /// <summary>
    /// Brute force: d(i, j) = ‖x_i − x_j‖ for all pairs, a block of rows at a time, then a bounded
    /// insertion per row. The distances are computed from the differences, not as
    /// ‖x‖² + ‖y‖² − 2⟨x, y⟩, whose cancellation would turn exact ties into noise.
    /// </summary>
    /// <param name="points">Float64 [N, D], N &gt; k.</param>
    /// <param name="k">Neighbours per point, 1 ≤ k ≤ N − 1.</param>
    public static NearestNeighbours Exact(Tensor points, int k)
    {
        int n = (int)points.shape[0];
        if (k < 1 || k > n - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, {n - 1}] for {n} points.");
        }

        var indices = new int[n * k];
        var distances = new double[n * k];
        int block = (int)Math.Max(1, Math.Min(n, BlockCells / n));
        for (int start = 0; start < n; start += block)
        {
            int end = Math.Min(n, start + block);
            double[] rows;
            using (var scope = torch.NewDisposeScope())
            {
                Tensor d = torch.cdist(points[start..end], points, 2.0, compute_mode.donot_use_mm_for_euclid_dist);
                rows = d.cpu().contiguous().data<double>().ToArray();
            }

            for (int i = start; i < end; i++)
            {
                SelectNearest(rows.AsSpan((i - start) * n, n), i, indices.AsSpan(i * k, k), distances.AsSpan(i * k, k));
            }
        }

        return new NearestNeighbours(n, k, indices, distances);
    }

    // Keeps the k smallest (distance, index) pairs in order. Indices arrive increasing, so a candidate
    // that only ties the current k-th distance never displaces it: ties go to the lower index.
    private static void SelectNearest(ReadOnlySpan<double> row, int self, Span<int> bestIndex, Span<double> bestDistance)
    {
        int k = bestIndex.Length;
        int filled = 0;
        for (int j = 0; j < row.Length; j++)
        {
            if (j == self)
            {
                continue;
            }

            double d = row[j];
            if (filled == k && d >= bestDistance[k - 1])
            {
                continue;
            }

            int at = filled < k ? filled++ : k - 1;
            while (at > 0 && bestDistance[at - 1] > d)
            {
                bestDistance[at] = bestDistance[at - 1];
                bestIndex[at] = bestIndex[at - 1];
                at--;
            }

            bestDistance[at] = d;
            bestIndex[at] = j;
        }
    }
}
