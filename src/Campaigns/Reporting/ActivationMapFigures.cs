using System.Globalization;
using System.Text.Json.Nodes;
using Geode.Campaigns.Execution;
using Geode.Model.Checkpoints;
using static TorchSharp.torch;

namespace Geode.Campaigns.Reporting;

/// <summary>
/// The 2-D maps of the captured activations at the peak stream, one point per prompt coloured by
/// category: PCA (computed here, exact) and UMAP (laid out by the page from the top principal
/// components with a fixed seed, so the same file draws the same map).
/// </summary>
public static class ActivationMapFigures
{
    /// <summary>Principal components handed to UMAP: enough to keep the neighbourhoods, few enough to keep the page small.</summary>
    public const int UmapComponents = 50;

    /// <summary>At most this many prompts go into the UMAP layout (a stratified sample beyond it) so the page lays it out in seconds.</summary>
    public const int UmapMaxPoints = 3000;

    /// <summary>The PCA and UMAP maps, when the results name a capture whose activations and prompt manifest can be read.</summary>
    public static IEnumerable<ReportFigure> Build(ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Results["capture"]?["file"] is not JsonValue file || context.Results["geometry"]?["peak_layer"] is not JsonValue peakNode)
        {
            return [];
        }

        string path = Path.GetFullPath(Path.Combine(context.OutDir, (string)file!));
        IReadOnlyList<(string Id, string Category, string Prompt)>? prompts = PromptManifest.Read(context.OutDir);
        if (!File.Exists(path) || prompts is null)
        {
            return [Missing(File.Exists(path) ? $"{PromptManifest.FileName} is not in the output folder" : $"the activations {path} are not on this machine")];
        }

        int peak = (int)peakNode;
        using var scope = NewDisposeScope();
        Tensor activations;
        using (SafetensorsFile stored = SafetensorsFile.Open(path))
        {
            activations = stored.ReadSlice(ActivationStore.TensorName, peak).to(ScalarType.Float64);
        }

        if (activations.shape[0] != prompts.Count)
        {
            return [Missing($"the activations hold {activations.shape[0]} prompts but {PromptManifest.FileName} lists {prompts.Count}")];
        }

        // Principal components of the centred activations: U·S are the coordinates on them.
        Tensor centred = activations - activations.mean([0], keepdim: true);
        (Tensor u, Tensor s, Tensor _) = linalg.svd(centred, fullMatrices: false);
        Tensor coordinates = u * s;
        double[] variance = [.. (s * s / (s * s).sum()).data<double>()];
        int components = (int)Math.Min(UmapComponents, coordinates.shape[1]);
        double[,] top = To2D(coordinates.narrow(1, 0, components).contiguous());
        return [Pca(context, prompts, top, variance, peak), Umap(context, prompts, top, components, peak)];
    }

    private static ReportFigure Pca(ReportContext context, IReadOnlyList<(string Id, string Category, string Prompt)> prompts, double[,] coordinates, double[] variance, int peak)
    {
        var traces = new List<JsonObject>();
        foreach (var category in Enumerable.Range(0, prompts.Count).GroupBy(i => prompts[i].Category))
        {
            traces.Add(new JsonObject
            {
                ["type"] = "scatter", ["mode"] = "markers", ["name"] = category.Key,
                ["x"] = Plot.Numbers(category.Select(i => coordinates[i, 0])),
                ["y"] = Plot.Numbers(category.Select(i => coordinates.GetLength(1) > 1 ? coordinates[i, 1] : 0)),
                ["text"] = Plot.Strings(category.Select(i => Hover(prompts[i]))),
                ["marker"] = new JsonObject { ["color"] = context.Color(category.Key), ["size"] = 6, ["opacity"] = 0.8 },
                ["hovertemplate"] = "%{text}<extra>%{fullData.name}</extra>",
            });
        }

        string pc1 = (100 * variance[0]).ToString("F1", CultureInfo.InvariantCulture), pc2 = variance.Length > 1 ? (100 * variance[1]).ToString("F1", CultureInfo.InvariantCulture) : "0";
        return new ReportFigure(
            "map-pca",
            "Geometry",
            $"PCA of the activations at stream {peak}",
            $"Each point is one prompt's captured residual at the peak stream {peak}, projected on the first two principal components (PC1 {pc1}%, PC2 {pc2}% of the variance), coloured by category. {prompts.Count} prompts; no generation.",
            Plot.Figure(traces, Plot.Layout($"PC1 ({pc1}%)", $"PC2 ({pc2}%)", ("height", 480))));
    }

    private static ReportFigure Umap(ReportContext context, IReadOnlyList<(string Id, string Category, string Prompt)> prompts, double[,] coordinates, int components, int peak)
    {
        int[] chosen = Sample(prompts, UmapMaxPoints);
        var spec = new JsonObject
        {
            ["kind"] = "umap",
            ["seed"] = 0,
            ["neighbors"] = Math.Min(15, Math.Max(2, chosen.Length - 1)),
            ["min_dist"] = 0.1,
            ["epochs"] = 300,
            ["points"] = new JsonArray([.. chosen.Select(i => (JsonNode?)Plot.Numbers(Enumerable.Range(0, components).Select(c => coordinates[i, c])))]),
            ["labels"] = Plot.Strings(chosen.Select(i => prompts[i].Category)),
            ["hover"] = Plot.Strings(chosen.Select(i => Hover(prompts[i]))),
            ["colors"] = new JsonObject([.. chosen.Select(i => prompts[i].Category).Distinct().Select(c => new KeyValuePair<string, JsonNode?>(c, context.Color(c)))]),
            ["layout"] = Plot.Layout("UMAP 1", "UMAP 2", ("height", 480)),
        };
        string sampled = chosen.Length < prompts.Count ? $" A stratified sample of {chosen.Length} of the {prompts.Count} prompts is laid out." : string.Empty;
        return new ReportFigure(
            "map-umap",
            "Geometry",
            $"UMAP of the activations at stream {peak}",
            $"The same activations laid out by UMAP (umap-js, 15 neighbours, min_dist 0.1, seed 0) from their top {components} principal components, coloured by category: prompts the model treats alike sit together.{sampled} {chosen.Length} prompts; no generation.",
            spec);
    }

    private static ReportFigure Missing(string why) => new(
        "map-missing",
        "Geometry",
        "2-D maps of the activations",
        $"Not drawn: {why}.",
        null,
        $"<p class=\"missing\">The PCA and UMAP maps need the captured activations and the prompt manifest; {System.Net.WebUtility.HtmlEncode(why)}.</p>");

    /// <summary>Every prompt when there are at most <paramref name="max"/>, else an equal-step sample within each category.</summary>
    private static int[] Sample(IReadOnlyList<(string Id, string Category, string Prompt)> prompts, int max)
    {
        if (prompts.Count <= max)
        {
            return [.. Enumerable.Range(0, prompts.Count)];
        }

        double keep = max / (double)prompts.Count;
        return [.. Enumerable.Range(0, prompts.Count).GroupBy(i => prompts[i].Category)
            .SelectMany(g => g.Where((_, k) => Math.Floor(k * keep) != Math.Floor((k + 1) * keep)))
            .Order()];
    }

    private static string Hover((string Id, string Category, string Prompt) prompt) =>
        $"{prompt.Id}: {(prompt.Prompt.Length > 80 ? prompt.Prompt[..80] + "…" : prompt.Prompt)}";

    private static double[,] To2D(Tensor matrix)
    {
        int rows = (int)matrix.shape[0], columns = (int)matrix.shape[1];
        double[] flat = matrix.data<double>().ToArray();
        var result = new double[rows, columns];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(double));
        return result;
    }
}
