using static TorchSharp.torch;

namespace Geode.Analysis.Directions;

/// <summary>
/// Per-category directions d_c = μ_c − μ_control and how they relate: the pairwise cosine matrix
/// C_ij = ⟨d_i, d_j⟩ / (‖d_i‖ ‖d_j‖) and each one's cosine with the global refusal direction.
/// (Study, E4B L15: benign categories at +0.93 with each other, −0.015 with should_refuse.)
/// </summary>
/// <param name="Categories">The categories, in ordinal name order (the control excluded).</param>
/// <param name="Cosines">C[i][j], symmetric with unit diagonal.</param>
/// <param name="CosineWithGlobal">cos(d_i, r) for each category.</param>
public sealed record CategoryGeometry(IReadOnlyList<string> Categories, IReadOnlyList<double[]> Cosines, IReadOnlyList<double> CosineWithGlobal)
{
    /// <summary>The study's control category.</summary>
    public const string DefaultControl = "safe_control";

    /// <summary>
    /// The geometry of one layer from its category means ([H] each); the control's entry is the
    /// baseline and is not itself a category of the result.
    /// </summary>
    /// <exception cref="ArgumentException">The control is missing, or a category's mean equals the control's.</exception>
    public static CategoryGeometry Compute(IReadOnlyDictionary<string, Tensor> categoryMeans, Tensor globalDirection, string control = DefaultControl)
    {
        ArgumentNullException.ThrowIfNull(categoryMeans);
        ArgumentNullException.ThrowIfNull(globalDirection);
        if (!categoryMeans.TryGetValue(control, out Tensor? controlMean))
        {
            throw new ArgumentException($"No mean for the control category '{control}'; categories: {string.Join(", ", categoryMeans.Keys)}.", nameof(control));
        }

        string[] names = [.. categoryMeans.Keys.Where(k => k != control).Order(StringComparer.Ordinal)];
        using var scope = NewDisposeScope();
        Tensor unit = stack([.. names.Select(n => UnitDifference(categoryMeans[n], controlMean, n))]);  // [C, H]
        Tensor cosines = unit.matmul(unit.T).clamp(-1, 1);
        Tensor global = RefusalDirection.Normalize(globalDirection.to(ScalarType.Float64), "the global direction");
        double[] flat = cosines.contiguous().data<double>().ToArray();
        double[][] matrix = [.. Enumerable.Range(0, names.Length).Select(i => flat.AsSpan(i * names.Length, names.Length).ToArray())];
        for (int i = 0; i < names.Length; i++)
        {
            matrix[i][i] = 1;  // exact, not 1 ± ε, so reports and tests read it as such
        }

        double[] withGlobal = unit.matmul(global).data<double>().ToArray();
        return new CategoryGeometry(names, matrix, withGlobal);
    }

    /// <summary>normalize(μ_c − μ_control) as float64 [H].</summary>
    public static Tensor Direction(Tensor categoryMean, Tensor controlMean)
    {
        ArgumentNullException.ThrowIfNull(categoryMean);
        ArgumentNullException.ThrowIfNull(controlMean);
        using var scope = NewDisposeScope();
        return UnitDifference(categoryMean, controlMean, "the category").MoveToOuterDisposeScope();
    }

    private static Tensor UnitDifference(Tensor mean, Tensor control, string name) =>
        RefusalDirection.Normalize(mean.to(ScalarType.Float64) - control.to(ScalarType.Float64), $"μ_{name} − μ_control");
}
