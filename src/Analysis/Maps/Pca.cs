using Geode.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Geode.Analysis.Maps;

/// <summary>
/// Principal component analysis of an activation matrix X [N, H]: with X_c = X − 1μᵀ, the top k
/// eigenvectors of the covariance X_cᵀX_c / (N − 1) are the components.
/// </summary>
public static class Pca
{
    /// <summary>
    /// Fits the top <paramref name="components"/> principal components. The eigenproblem is solved
    /// on the smaller side: the covariance X_cᵀX_c [H, H] when N &gt; H, otherwise the Gram matrix
    /// G = X_cX_cᵀ [N, N], whose eigenpairs (λ, u) give the components v = X_cᵀu / √λ (X_c = UΛ^½Vᵀ).
    /// Residual-stream widths (H = 1,536–3,072) usually exceed the prompt count, so the Gram side
    /// is the common one. Both run in float64 on the input's device.
    /// </summary>
    /// <param name="data">Activations [N, H], any floating dtype (upcast to float64).</param>
    /// <param name="components">k, 1 ≤ k ≤ min(N − 1, H): centred data has rank at most N − 1.</param>
    /// <exception cref="BadInputException">The matrix is malformed, or k is out of range.</exception>
    public static PcaResult Fit(Tensor data, int components = 2)
    {
        using var scope = torch.NewDisposeScope();
        Tensor x = MapInput.ToFloat64Matrix(data, nameof(data), minRows: 2);
        long n = x.shape[0];
        long h = x.shape[1];
        if (components < 1 || components > Math.Min(n - 1, h))
        {
            throw new BadInputException(
                $"PCA of {n} points in {h} dimensions can have 1 to {Math.Min(n - 1, h)} components; {components} were asked for.",
                field: nameof(components));
        }

        Tensor mean = x.mean([0]);
        Tensor xc = x - mean;
        double total = xc.square().sum().item<double>() / (n - 1);

        Tensor v; // [H, k]
        if (n <= h)
        {
            // eigh returns ascending eigenvalues; the top k are the last k columns, reversed.
            (_, Tensor vectors) = torch.linalg.eigh(xc.mm(xc.t()));
            Tensor top = vectors[.., (int)(n - components)..].flip(1);
            v = xc.t().mm(top);
            // Normalise the columns directly rather than dividing by √λ: the same in exact arithmetic,
            // and it keeps a component finite when its eigenvalue is zero (rank-deficient data).
            v = v / v.norm(0, keepdim: true).clamp_min(1e-300);
        }
        else
        {
            (_, Tensor vectors) = torch.linalg.eigh(xc.t().mm(xc));
            v = vectors[.., (int)(h - components)..].flip(1);
        }

        double[,] loadings = MapInput.ToArray2D(v.t()); // [k, H]
        double[] signs = SignConvention(loadings);
        Tensor s = xc.mm(v) * torch.tensor(signs, ScalarType.Float64, device: x.device); // [N, k]
        double[,] scores = MapInput.ToArray2D(s);

        var variance = new double[components];
        for (int c = 0; c < components; c++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                sum += scores[i, c] * scores[i, c];
            }

            variance[c] = sum / (n - 1);
        }

        double[] mu = mean.cpu().data<double>().ToArray();
        return new PcaResult(mu, loadings, scores, variance, total);
    }

    // Flips each component (row of loadings) in place so that its largest-|loading| entry is
    // positive, and returns the flips so the scores can follow. An eigensolver's signs are
    // arbitrary and change with the input's row order or the side (Gram vs covariance) solved.
    private static double[] SignConvention(double[,] loadings)
    {
        int k = loadings.GetLength(0);
        int h = loadings.GetLength(1);
        var signs = new double[k];
        for (int c = 0; c < k; c++)
        {
            int largest = 0;
            for (int j = 1; j < h; j++)
            {
                if (Math.Abs(loadings[c, j]) > Math.Abs(loadings[c, largest]))
                {
                    largest = j;
                }
            }

            signs[c] = loadings[c, largest] < 0 ? -1 : 1;
            for (int j = 0; j < h; j++)
            {
                loadings[c, j] *= signs[c];
            }
        }

        return signs;
    }
}
