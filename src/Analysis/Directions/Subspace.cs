using static TorchSharp.torch;

namespace Geode.Analysis.Directions;

/// <summary>Subspaces of R^H given by the columns of [H, k] matrices: orthonormal bases, unions, principal angles.</summary>
public static class Subspace
{
    /// <summary>Relative singular-value cut-off below which a column is taken as dependent on the others.</summary>
    public const double DefaultTolerance = 1e-6;

    /// <summary>
    /// An orthonormal basis Q [H, r] of span(columns) ([H] is one column), r = #{σᵢ &gt; tol · σ₁}: the
    /// left singular vectors, so dependent columns are dropped instead of turned into noise (a QR of
    /// dependent columns would return an arbitrary unit vector for each). Float64 unless the input is
    /// float32.
    /// </summary>
    /// <exception cref="ArgumentException">The columns are all zero.</exception>
    public static Tensor Orthonormalize(Tensor columns, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(columns);
        using var scope = NewDisposeScope();
        Tensor a = AsColumns(columns);
        (Tensor u, Tensor s, _) = linalg.svd(a, fullMatrices: false);
        double top = s[0].item<double>();
        if (!(top > 0))
        {
            throw new ArgumentException("Cannot orthonormalise zero columns.", nameof(columns));
        }

        long rank = s.gt(tolerance * top).sum().item<long>();
        return u.narrow(1, 0, rank).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>An orthonormal basis of span(A) + span(B): <see cref="Orthonormalize"/> of [A | B].</summary>
    public static Tensor Union(Tensor a, Tensor b, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        using var scope = NewDisposeScope();
        Tensor left = AsColumns(a);
        return Orthonormalize(cat([left, AsColumns(b).to(left.dtype)], 1), tolerance).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// cos θᵢ of the principal angles between span(A) and span(B), descending: the singular values
    /// of Q_Aᵀ Q_B. All ones when one subspace contains the other.
    /// </summary>
    public static double[] PrincipalAngleCosines(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        using var scope = NewDisposeScope();
        Tensor qa = Orthonormalize(a.to(ScalarType.Float64));
        Tensor qb = Orthonormalize(b.to(ScalarType.Float64));
        return linalg.svdvals(qa.T.matmul(qb)).clamp(0, 1).data<double>().ToArray();
    }

    /// <summary>Removes span(Q) from each row of <paramref name="rows"/> [n, H] twice (Q orthonormal [H, k]): rows − rows Q Qᵀ.</summary>
    internal static Tensor RemoveFromRows(Tensor rows, Tensor basis)
    {
        Tensor result = rows;
        for (int pass = 0; pass < 2; pass++)
        {
            result = result - result.matmul(basis).matmul(basis.T);
        }

        return result;
    }

    private static Tensor AsColumns(Tensor columns)
    {
        Tensor a = columns.dim() == 1 ? columns.unsqueeze(1) : columns;
        if (a.dim() != 2)
        {
            throw new ArgumentException($"Expected [H] or [H, k]; found [{string.Join(", ", columns.shape)}].", nameof(columns));
        }

        return a.dtype == ScalarType.Float32 ? a : a.to(ScalarType.Float64);
    }
}
