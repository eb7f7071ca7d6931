using static TorchSharp.torch;

namespace Geode.Analysis.Forensics;

/// <summary>The singular-value summary of one 2-D ΔW.</summary>
/// <param name="Spectrum">The largest singular values, descending.</param>
/// <param name="Rank95">Smallest r with Σ_{i≤r} σ_i² ≥ 0.95 ‖ΔW‖_F², or null when the computed triplets fall short.</param>
/// <param name="Rank95AtLeast">A lower bound on rank95 when <paramref name="Rank95"/> is null.</param>
/// <param name="SigmaRatio">σ1/σ2, or null when σ2 is 0 or absent.</param>
/// <param name="Method"><c>exact</c> or <c>randomized</c>.</param>
/// <param name="Vectors">The top left singular vectors, unit length.</param>
internal sealed record DeltaSpectrum(double[] Spectrum, int? Rank95, int? Rank95AtLeast, double? SigmaRatio, string Method, float[][] Vectors)
{
    /// <summary>The fraction of ‖ΔW‖_F² that <see cref="Rank95"/> captures.</summary>
    public const double Energy = 0.95;

    /// <summary>
    /// Computes the summary of <paramref name="delta"/> [m, n]. Small ΔW get a full SVD in float64.
    /// Large ones get Halko–Martinsson–Tropp's randomized SVD in float32 (TorchSharp's svd_lowrank
    /// throws): Y = ΔW Ω for a seeded Gaussian Ω [n, l], a few QR-stabilised power iterations,
    /// B = Qᵀ ΔW, and the SVD of the small B in float64. It recovers the top l triplets exactly when
    /// rank ΔW ≤ l and closely when the spectrum decays, at O(m n l) cost and O((m + n) l) memory.
    /// The total energy is always the exact ‖ΔW‖_F², so rank95 is never overstated.
    /// </summary>
    public static DeltaSpectrum Of(Tensor delta, double totalEnergy, DiffOptions options)
    {
        using IDisposable scope = NewDisposeScope();
        long m = delta.shape[0], n = delta.shape[1];
        long small = Math.Min(m, n);
        Tensor u, s;
        string method;
        if (small <= options.ExactSvdMaxDim || small <= options.RandomizedRank)
        {
            (u, s, _) = linalg.svd(delta.to(ScalarType.Float64), fullMatrices: false);
            method = "exact";
        }
        else
        {
            (u, s) = Randomized(delta.to(ScalarType.Float32), options);
            method = "randomized";
        }

        double[] sigma = s.to(ScalarType.Float64).data<double>().ToArray();
        int? rank95 = null;
        double cumulative = 0;
        for (int i = 0; i < sigma.Length; i++)
        {
            cumulative += sigma[i] * sigma[i];
            if (cumulative >= Energy * totalEnergy)
            {
                rank95 = i + 1;
                break;
            }
        }

        // A full SVD holds all the energy, so rounding alone can leave the sum a hair short.
        if (rank95 is null && method == "exact")
        {
            rank95 = sigma.Length;
        }

        double? ratio = sigma.Length > 1 && sigma[1] > 0 ? sigma[0] / sigma[1] : null;
        int keep = (int)Math.Min(options.Vectors, sigma.Length);
        Tensor top = u[.., ..keep].t().contiguous().to(ScalarType.Float32);
        float[] flat = top.data<float>().ToArray();
        float[][] vectors = [.. flat.Chunk((int)m)];
        return new DeltaSpectrum(
            [.. sigma.Take(options.SpectrumLength)],
            rank95,
            rank95 is null ? sigma.Length + 1 : null,
            ratio,
            method,
            vectors);
    }

    private static (Tensor U, Tensor S) Randomized(Tensor a, DiffOptions options)
    {
        long m = a.shape[0], n = a.shape[1];
        long l = Math.Min(options.RandomizedRank, Math.Min(m, n));
        var generator = new Generator((ulong)options.Seed);
        Tensor omega = randn([n, l], ScalarType.Float32, generator: generator);
        Tensor q = linalg.qr(a.matmul(omega)).Q;
        for (int i = 0; i < options.PowerIterations; i++)
        {
            Tensor z = linalg.qr(a.t().matmul(q)).Q;
            q = linalg.qr(a.matmul(z)).Q;
        }

        Tensor b = q.t().matmul(a).to(ScalarType.Float64);
        (Tensor ub, Tensor s, _) = linalg.svd(b, fullMatrices: false);
        return (q.to(ScalarType.Float64).matmul(ub), s);
    }
}
