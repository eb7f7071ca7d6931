using Geode.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Geode.Analysis.Maps;

/// <summary>
/// How well a space separates categories: the leave-one-out k-nearest-neighbour misclassification
/// rate, (1/N)·Σ_i [vote_k(i) ≠ label_i], where vote_k(i) is the majority label among the k points
/// nearest to x_i other than x_i itself. 0 means every point sits among its own category; with C
/// balanced categories and no structure it is about 1 − 1/C.
/// </summary>
/// <param name="K">Neighbours that vote.</param>
/// <param name="Misclassified">Points whose vote disagrees with their label.</param>
/// <param name="Count">Points N.</param>
public sealed record SeparationScore(int K, int Misclassified, int Count)
{
    /// <summary>Misclassified / Count.</summary>
    public double Rate => (double)Misclassified / Count;

    /// <summary>
    /// Scores <paramref name="points"/> (a 2-D map or the original activations) against
    /// <paramref name="labels"/>. Ties are broken deterministically: neighbours are ordered by
    /// (distance, index), and among labels tied for the most votes the one with the nearest voter
    /// wins (with k = 1 that is simply the nearest neighbour, lower index first).
    /// </summary>
    /// <param name="points">[N, D], any floating dtype; distances are Euclidean, in float64.</param>
    /// <param name="labels">One category per row.</param>
    /// <param name="k">Voters, 1 ≤ k ≤ N − 1; 5 by default.</param>
    /// <exception cref="BadInputException">Shapes disagree or k is out of range.</exception>
    public static SeparationScore LeaveOneOutKnn(Tensor points, IReadOnlyList<string> labels, int k = 5)
    {
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = torch.NewDisposeScope();
        Tensor x = MapInput.ToFloat64Matrix(points, nameof(points), minRows: 2);
        int n = (int)x.shape[0];
        if (labels.Count != n)
        {
            throw new BadInputException($"{n} points were given {labels.Count} labels; each point needs one.", field: nameof(labels));
        }

        if (k < 1 || k > n - 1)
        {
            throw new BadInputException($"leave-one-out k-NN on {n} points needs 1 ≤ k ≤ {n - 1}; got k = {k}.", field: nameof(k));
        }

        int[] codes = Encode(labels, out int categories);
        NearestNeighbours knn = NearestNeighbours.Exact(x, k);
        var votes = new int[categories];
        int wrong = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<int> neighbours = knn.Indices.AsSpan(i * k, k);
            Array.Clear(votes);
            int most = 0;
            foreach (int j in neighbours)
            {
                most = Math.Max(most, ++votes[codes[j]]);
            }

            // The nearest neighbour whose label has the most votes decides.
            foreach (int j in neighbours)
            {
                if (votes[codes[j]] == most)
                {
                    wrong += codes[j] == codes[i] ? 0 : 1;
                    break;
                }
            }
        }

        return new SeparationScore(k, wrong, n);
    }

    private static int[] Encode(IReadOnlyList<string> labels, out int categories)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var codes = new int[labels.Count];
        for (int i = 0; i < codes.Length; i++)
        {
            string label = labels[i] ?? throw new BadInputException($"label {i} is missing.", field: nameof(labels));
            if (!index.TryGetValue(label, out int code))
            {
                code = index.Count;
                index.Add(label, code);
            }

            codes[i] = code;
        }

        categories = index.Count;
        return codes;
    }
}
