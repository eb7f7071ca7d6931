using static TorchSharp.torch;

namespace Geode.Analysis.Directions;

/// <summary>
/// The top-k part of A ≈ U diag(S) Vᵀ: U [m, k] and V [n, k] with orthonormal columns, S [k]
/// descending. The tensors belong to the dispose scope open when it was made.
/// </summary>
/// <param name="U">Left singular vectors [m, k].</param>
/// <param name="S">Singular values [k], descending.</param>
/// <param name="V">Right singular vectors [n, k] (columns, not Vᵀ's rows).</param>
public sealed record TruncatedSvd(Tensor U, Tensor S, Tensor V)
{
    /// <summary>k.</summary>
    public int Rank => (int)S.shape[0];

    /// <summary>S as managed values.</summary>
    public double[] SingularValues() => S.to(ScalarType.Float64).cpu().data<double>().ToArray();
}
