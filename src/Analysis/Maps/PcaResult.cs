namespace Geode.Analysis.Maps;

/// <summary>
/// The top k principal components of an activation matrix X [N, H]: X − 1μᵀ ≈ S Vᵀ with V [H, k]
/// orthonormal and S = (X − 1μᵀ) V the scores. Component c's explained variance is
/// λ_c = ‖S_{·c}‖² / (N − 1) and its ratio λ_c / tr Σ, where Σ is the sample covariance.
/// </summary>
/// <remarks>Signs follow a fixed convention: each component's largest-magnitude loading is
/// positive (the first such loading on a tie), so the same data gives the same map on every run.</remarks>
public sealed class PcaResult
{
    internal PcaResult(double[] mean, double[,] components, double[,] scores, double[] explainedVariance, double totalVariance)
    {
        Mean = mean;
        Components = components;
        Scores = scores;
        ExplainedVariance = explainedVariance;
        TotalVariance = totalVariance;
        ExplainedVarianceRatio = [.. explainedVariance.Select(v => totalVariance > 0 ? v / totalVariance : 0)];
    }

    /// <summary>μ [H]: the column means that were subtracted.</summary>
    public double[] Mean { get; }

    /// <summary>Vᵀ [k, H]: one unit-norm component per row, by decreasing variance.</summary>
    public double[,] Components { get; }

    /// <summary>S [N, k]: each row's coordinates on the components (the map).</summary>
    public double[,] Scores { get; }

    /// <summary>λ_c [k]: the sample variance (divisor N − 1) along each component.</summary>
    public double[] ExplainedVariance { get; }

    /// <summary>λ_c / tr Σ [k]: the share of the total variance each component carries; the shares sum to at most 1.</summary>
    public double[] ExplainedVarianceRatio { get; }

    /// <summary>tr Σ = ‖X − 1μᵀ‖²_F / (N − 1): the total sample variance over all H dimensions.</summary>
    public double TotalVariance { get; }
}
