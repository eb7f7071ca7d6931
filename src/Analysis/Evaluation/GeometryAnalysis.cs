using Geode.Analysis.Directions;
using Geode.Analysis.Statistics;
using static TorchSharp.torch;

namespace Geode.Analysis.Evaluation;

/// <summary>What a campaign's geometry stage computes (DESIGN §1.4).</summary>
/// <param name="Layers">Per stream index l = 0..L: Cohen's d of the projections on r_l and ‖Δμ_l‖.</param>
/// <param name="PeakLayer">The stream with the largest d (stream 0, the embedding of a shared template token, is excluded).</param>
/// <param name="BandTopComponentShare">Share of Σ‖Δμ_l‖² over the peak band (peak ± 2) held by its top principal direction.</param>
/// <param name="Categories">Per-category directions at the peak against the comply control: their cosines and cosine with r_peak.</param>
/// <param name="RandomCohensD">|d| of each random unit direction at the peak: the null model.</param>
public sealed record GeometryResult(
    IReadOnlyList<LayerSignal> Layers,
    int PeakLayer,
    double BandTopComponentShare,
    CategoryGeometry? Categories,
    IReadOnlyList<double> RandomCohensD);

/// <summary>One stream's signal.</summary>
/// <param name="Layer">The stream index (0 = embeddings).</param>
/// <param name="CohensD">Cohen's d of ⟨a, r_l⟩ between refuse and comply (NaN at stream 0 when the classes coincide).</param>
/// <param name="DeltaNorm">‖μ_refuse,l − μ_comply,l‖ (after winsorization when asked).</param>
public sealed record LayerSignal(int Layer, double CohensD, double DeltaNorm);

/// <summary>The geometry stage over captured activations: directions, signal per layer, peak, band share, categories, null model.</summary>
public static class GeometryAnalysis
{
    /// <summary>Half-width of the band around the peak whose shared direction is measured.</summary>
    public const int BandRadius = 2;

    /// <summary>Computes the geometry of <paramref name="activations"/> [L+1, N, H].</summary>
    /// <param name="activations">Captured residuals, one column per prompt.</param>
    /// <param name="categories">Each prompt's category.</param>
    /// <param name="refuse">Categories forming the refuse class.</param>
    /// <param name="comply">Categories forming the comply class; the first is the control for per-category directions.</param>
    /// <param name="winsorize">Winsorization quantile, or null for none.</param>
    /// <param name="gramSchmidt">Orthogonalize each r_l against the comply mean.</param>
    /// <param name="randomDirections">Random unit directions for the null model.</param>
    /// <param name="seed">Seed of the random directions.</param>
    public static GeometryResult Compute(
        Tensor activations,
        IReadOnlyList<string> categories,
        IReadOnlyCollection<string> refuse,
        IReadOnlyList<string> comply,
        double? winsorize = null,
        bool gramSchmidt = false,
        int randomDirections = 8,
        long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(activations);
        if (activations.dim() != 3 || activations.shape[1] != categories.Count)
        {
            throw new ArgumentException($"Activations must be [L+1, N={categories.Count}, H]; found [{string.Join(", ", activations.shape)}].", nameof(activations));
        }

        using var scope = NewDisposeScope();
        long[] refuseRows = [.. Enumerable.Range(0, categories.Count).Where(i => refuse.Contains(categories[i])).Select(i => (long)i)];
        long[] complyRows = [.. Enumerable.Range(0, categories.Count).Where(i => comply.Contains(categories[i])).Select(i => (long)i)];
        if (refuseRows.Length < 2 || complyRows.Length < 2)
        {
            throw new ArgumentException($"Each class needs two prompts or more: {refuseRows.Length} refuse ({string.Join(", ", refuse)}), {complyRows.Length} comply ({string.Join(", ", comply)}).", nameof(categories));
        }

        int streams = (int)activations.shape[0];
        Tensor all = activations.to(ScalarType.Float64);
        Tensor[] clamped = [.. Enumerable.Range(0, streams).Select(l => winsorize is double q ? Winsorization.Clamp(all[l], Winsorization.Threshold(all[l], q)) : all[l])];
        Tensor[] refuseActs = [.. clamped.Select(a => a.index_select(0, tensor(refuseRows)))];
        Tensor[] complyActs = [.. clamped.Select(a => a.index_select(0, tensor(complyRows)))];
        Tensor[] deltas = [.. Enumerable.Range(0, streams).Select(l => refuseActs[l].mean([0]) - complyActs[l].mean([0]))];

        var layers = new List<LayerSignal>(streams);
        var directions = new Tensor?[streams];
        for (int l = 0; l < streams; l++)
        {
            double norm = deltas[l].norm().item<double>();
            double d = double.NaN;
            if (norm > 0)
            {
                directions[l] = RefusalDirection.DiffOfMeans(refuseActs[l].mean([0]), complyActs[l].mean([0]), gramSchmidt);
                d = Separation.CohensD(refuseActs[l], complyActs[l], directions[l]!);
            }

            layers.Add(new LayerSignal(l, d, norm));
        }

        int peak = 1 + Separation.PeakLayer([.. layers.Skip(1).Select(s => s.CohensD)]);
        int first = Math.Max(1, peak - BandRadius), last = Math.Min(streams - 1, peak + BandRadius);
        double share = Separation.TopComponentShare(stack([.. Enumerable.Range(first, last - first + 1).Select(l => deltas[l])]));

        Tensor random = RandomDirections.Sample(randomDirections, (int)activations.shape[2], seed).to(ScalarType.Float64);
        double[] nullModel = [.. Enumerable.Range(0, randomDirections).Select(i => Math.Abs(Separation.CohensD(refuseActs[peak], complyActs[peak], random[i])))];

        return new GeometryResult(layers, peak, share, CategoriesAt(clamped[peak], categories, comply[0], directions[peak]!), nullModel);
    }

    private static CategoryGeometry? CategoriesAt(Tensor layer, IReadOnlyList<string> categories, string control, Tensor global)
    {
        var means = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (string category in categories.Distinct(StringComparer.Ordinal))
        {
            long[] rows = [.. Enumerable.Range(0, categories.Count).Where(i => categories[i] == category).Select(i => (long)i)];
            means[category] = layer.index_select(0, tensor(rows)).mean([0]);
        }

        return means.Count >= 2 && means.ContainsKey(control) ? CategoryGeometry.Compute(means, global, control) : null;
    }
}
