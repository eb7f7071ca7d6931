using static TorchSharp.torch;

namespace Geode.Model.Edits;

/// <summary>
/// One resolved edit term on one writer: <c>y ← (y − α (y Q) Qᵀ) ⊙ s</c> on the writer's output y,
/// equivalently <c>W ← diag(s) (W − α Q Qᵀ W)</c> on its weight. Q [H,k] is orthonormal, float32;
/// s [H] is the norm-preserving row scale, or null.
/// </summary>
internal sealed class WriterOperation(Tensor basis, double alpha, Tensor? rowScale) : IDisposable
{
    public Tensor Basis { get; } = basis;

    public double Alpha { get; } = alpha;

    public Tensor? RowScale { get; } = rowScale;

    /// <summary>Applies the operation to writer outputs y [..., H]; computed in float32, returned in y's dtype.</summary>
    public Tensor ApplyToOutput(Tensor y)
    {
        using var scope = NewDisposeScope();
        Tensor yf = y.to(ScalarType.Float32);
        Tensor edited = yf - Alpha * yf.matmul(Basis).matmul(Basis.T);
        if (RowScale is not null)
        {
            edited = edited * RowScale;
        }

        return edited.to(y.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Applies the operation to a weight W [H, in]; float32 result.</summary>
    public Tensor ApplyToWeight(Tensor weight)
    {
        using var scope = NewDisposeScope();
        Tensor w = weight.to(ScalarType.Float32);
        Tensor edited = w - Alpha * Basis.matmul(Basis.T.matmul(w));
        if (RowScale is not null)
        {
            edited = edited * RowScale.unsqueeze(1);
        }

        return edited.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Basis.Dispose();
        RowScale?.Dispose();
    }
}
