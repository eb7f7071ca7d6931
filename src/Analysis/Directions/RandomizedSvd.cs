using static TorchSharp.torch;

namespace Geode.Analysis.Directions;

/// <summary>
/// Randomized truncated SVD (Halko, Martinsson &amp; Tropp 2011, algorithms 4.4 and 5.1), written
/// out because TorchSharp's <c>svd_lowrank</c> throws: with ℓ = k + p,
/// <c>Ω ~ N(0,1)^{n×ℓ}, Q = qr(A Ω)</c>, then q power iterations <c>Q = qr(A qr(Aᵀ Q))</c>,
/// then <c>B = Qᵀ A</c> [ℓ, n], <c>B = Ũ S Vᵀ</c>, <c>U = Q Ũ</c>; keep the top k.
/// </summary>
/// <remarks>
/// Decompositions run in float32 or float64 only (bf16/fp16 inputs are upcast to float32: torch
/// has no half-precision QR or SVD kernels). When ℓ ≥ min(m, n) the sketch saves nothing and the
/// exact SVD runs instead. Each power iteration sharpens the spectrum by (σ_{k+1}/σ_k)^2; with
/// re-orthonormalisation between products it stays stable.
/// </remarks>
public static class RandomizedSvd
{
    /// <summary>The top-<paramref name="rank"/> singular triplets of a matrix [m, n], on its device.</summary>
    /// <param name="matrix">A [m, n].</param>
    /// <param name="rank">k, 1 ≤ k ≤ min(m, n).</param>
    /// <param name="oversampling">p, extra sketch columns (10 is Halko et al.'s default).</param>
    /// <param name="powerIterations">q.</param>
    /// <param name="seed">Seeds Ω (drawn on the CPU so results do not depend on the device's generator).</param>
    /// <exception cref="ArgumentException">A is not 2-D or k is out of range.</exception>
    public static TruncatedSvd Compute(Tensor matrix, int rank, int oversampling = 10, int powerIterations = 2, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.dim() != 2)
        {
            throw new ArgumentException($"Expected a matrix; found [{string.Join(", ", matrix.shape)}].", nameof(matrix));
        }

        long m = matrix.shape[0], n = matrix.shape[1];
        if (rank < 1 || rank > Math.Min(m, n))
        {
            throw new ArgumentException($"Rank {rank} is outside 1..min(m, n) = {Math.Min(m, n)}.", nameof(rank));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(oversampling);
        ArgumentOutOfRangeException.ThrowIfNegative(powerIterations);

        using var scope = NewDisposeScope();
        ScalarType dtype = matrix.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        Tensor a = matrix.to(dtype);
        long sketch = rank + oversampling;
        Tensor u, s, v;
        if (sketch >= Math.Min(m, n))
        {
            (u, s, Tensor vh) = linalg.svd(a, fullMatrices: false);
            v = vh.T;
        }
        else
        {
            using var generator = new Generator(unchecked((ulong)seed), device: CPU);
            Tensor omega = randn([n, sketch], dtype: dtype, generator: generator).to(a.device);
            Tensor q = Orthonormal(a.matmul(omega));                    // [m, ℓ]
            for (int i = 0; i < powerIterations; i++)
            {
                Tensor z = Orthonormal(a.T.matmul(q));                  // [n, ℓ]
                q = Orthonormal(a.matmul(z));                           // [m, ℓ]
            }

            Tensor b = q.T.matmul(a);                                   // [ℓ, n]
            (Tensor ub, s, Tensor vh) = linalg.svd(b, fullMatrices: false);
            u = q.matmul(ub);
            v = vh.T;
        }

        var result = new TruncatedSvd(
            u.narrow(1, 0, rank).contiguous().MoveToOuterDisposeScope(),
            s.narrow(0, 0, rank).contiguous().MoveToOuterDisposeScope(),
            v.narrow(1, 0, rank).contiguous().MoveToOuterDisposeScope());
        return result;
    }

    private static Tensor Orthonormal(Tensor columns) => linalg.qr(columns, linalg.QRMode.Reduced).Q;
}
