using static TorchSharp.torch;

namespace Geode.Analysis.Directions;

/// <summary>
/// A rank-k refusal basis for multi-rank descent: the top-k right singular vectors of the matrix D
/// whose rows are per-prompt differences dᵢ = a_refuse,i − μ_comply.
/// </summary>
/// <remarks>
/// <para>
/// Why per-prompt rows: D's row mean is Δμ = μ_refuse − μ_comply, so its uncentred top right singular
/// vector is close to the diff-of-means direction when that dominates, and the next ones are the
/// directions along which refusing prompts move away from the harmless mean in ways Δμ misses —
/// exactly the residual signal rank-1 leaves behind (the study's ~40% residual refusals concentrate
/// on the most extreme topics, i.e. on a subset of prompts that one mean cannot represent). A stack
/// of class-mean differences across a band has only one row per layer, its rank is bounded by the
/// band's width, and one component already holds ~87% of it on Gemma 4, so it yields few useful
/// directions. Paired differences need matched prompt pairs, which prompt sets do not have.
/// </para>
/// <para>
/// Iterative peel (DESIGN §1.8): pass the basis found so far as <c>exclude</c>. Its span is removed
/// from every row first (twice, for stability), so the new vectors are orthogonal to it and describe
/// what remains — typically on activations re-captured with the edit applied.
/// </para>
/// <para>
/// Across a band, each layer's rows are divided by that layer's ‖Δμ_l‖ before stacking: the residual
/// norm grows with depth, and without it the last layers of the band would decide the basis alone.
/// </para>
/// </remarks>
public static class MultiRankBasis
{
    /// <summary>D = rows a_refuse,i − μ_comply, float64 [n, H].</summary>
    public static Tensor Differences(Tensor refuse, Tensor meanComply)
    {
        ArgumentNullException.ThrowIfNull(refuse);
        ArgumentNullException.ThrowIfNull(meanComply);
        if (refuse.dim() != 2 || meanComply.dim() != 1 || refuse.shape[1] != meanComply.shape[0])
        {
            throw new ArgumentException($"Expected refuse [n, H] and μ_comply [H]; found [{string.Join(", ", refuse.shape)}] and [{string.Join(", ", meanComply.shape)}].", nameof(meanComply));
        }

        using var scope = NewDisposeScope();
        return (refuse.to(ScalarType.Float64) - meanComply.to(ScalarType.Float64, refuse.device)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The top-<paramref name="rank"/> SVD of D at one layer (V [H, k] is the basis, S how much of D
    /// each vector carries), by <see cref="RandomizedSvd"/>.
    /// </summary>
    /// <param name="refuse">Activations of expected-refuse prompts [n, H].</param>
    /// <param name="meanComply">μ_comply [H] at the same layer.</param>
    /// <param name="rank">k.</param>
    /// <param name="exclude">A basis [H, j] already removed, or null.</param>
    /// <param name="seed">Seeds the randomized SVD's sketch.</param>
    public static TruncatedSvd Compute(Tensor refuse, Tensor meanComply, int rank, Tensor? exclude = null, long seed = 0)
    {
        using var scope = NewDisposeScope();
        return Detach(FromRows(Differences(refuse, meanComply), rank, exclude, seed));
    }

    /// <summary>
    /// The same across a band of layers: each layer's D_l / ‖Δμ_l‖ stacked row-wise, then the top-k SVD.
    /// </summary>
    /// <param name="refuse">Per band layer, activations of expected-refuse prompts [n, H].</param>
    /// <param name="meanComply">Per band layer, μ_comply [H].</param>
    /// <param name="rank">k.</param>
    /// <param name="exclude">A basis [H, j] already removed, or null.</param>
    /// <param name="seed">Seeds the randomized SVD's sketch.</param>
    public static TruncatedSvd ComputeForBand(IReadOnlyList<Tensor> refuse, IReadOnlyList<Tensor> meanComply, int rank, Tensor? exclude = null, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(refuse);
        ArgumentNullException.ThrowIfNull(meanComply);
        if (refuse.Count == 0 || refuse.Count != meanComply.Count)
        {
            throw new ArgumentException($"Expected one μ_comply per band layer: {refuse.Count} layers of activations, {meanComply.Count} means.", nameof(meanComply));
        }

        using var scope = NewDisposeScope();
        var blocks = new List<Tensor>(refuse.Count);
        for (int l = 0; l < refuse.Count; l++)
        {
            Tensor d = Differences(refuse[l], meanComply[l]);
            double shift = d.mean([0]).norm().item<double>();
            if (!(shift > 0))
            {
                throw new ArgumentException($"Band layer {l}: μ_refuse = μ_comply, so its differences cannot be scaled by ‖Δμ‖.", nameof(refuse));
            }

            blocks.Add(d / shift);
        }

        return Detach(FromRows(cat(blocks, 0), rank, exclude, seed));
    }

    private static TruncatedSvd FromRows(Tensor rows, int rank, Tensor? exclude, long seed)
    {
        if (exclude is not null)
        {
            rows = Subspace.RemoveFromRows(rows, Subspace.Orthonormalize(exclude.to(ScalarType.Float64, rows.device)));
        }

        return RandomizedSvd.Compute(rows, rank, seed: seed);
    }

    private static TruncatedSvd Detach(TruncatedSvd svd) =>
        new(svd.U.MoveToOuterDisposeScope(), svd.S.MoveToOuterDisposeScope(), svd.V.MoveToOuterDisposeScope());
}
