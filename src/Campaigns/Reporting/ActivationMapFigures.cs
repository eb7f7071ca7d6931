using System.Globalization;
using System.Text.Json.Nodes;
using Geode.Analysis.Maps;
using Geode.Campaigns.Execution;
using Geode.Model;
using Geode.Model.Checkpoints;
using static TorchSharp.torch;

namespace Geode.Campaigns.Reporting;

/// <summary>
/// The 2-D maps of the captured activations at the peak stream, one point per prompt coloured by
/// category: PCA and UMAP (Geode.Analysis.Maps, seeded, so the same results give the same map),
/// each with the k-NN separation of the categories in the map beside that in the activations.
/// </summary>
public static class ActivationMapFigures
{
    /// <summary>The fewest prompts a map is drawn for: the 5-NN separation score needs six.</summary>
    public const int MinPoints = 6;

    /// <summary>At most this many prompts go into a map (a stratified sample beyond it): exact UMAP is quadratic in N.</summary>
    public const int MaxPoints = 3000;

    /// <summary>The PCA and UMAP maps, when the results name a capture whose activations and prompt manifest can be read.</summary>
    public static IEnumerable<ReportFigure> Build(ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Results["capture"]?["file"] is not JsonValue file || context.Results["geometry"]?["peak_layer"] is not JsonValue peakNode)
        {
            return [];
        }

        // The store may live outside the output folder (geode run --store), so the path may lead
        // anywhere; only a file with the store's name is opened, and it must then be safetensors.
        string relative = (string)file!;
        if (relative.Contains('\0', StringComparison.Ordinal) || Path.GetFileName(relative) != ActivationStore.MergedFileName)
        {
            return [Missing($"results.json's capture.file \"{relative}\" does not name an activation store file ({ActivationStore.MergedFileName}), so it was not read")];
        }

        string path = Path.GetFullPath(Path.Combine(context.OutDir, relative));
        IReadOnlyList<(string Id, string Category, string Prompt)>? prompts = PromptManifest.Read(context.OutDir);
        if (!File.Exists(path) || prompts is null)
        {
            return [Missing(File.Exists(path) ? $"{PromptManifest.FileName} is not in the output folder" : $"the activations {path} are not on this machine")];
        }

        int peak = (int)peakNode;
        using var scope = NewDisposeScope();
        Tensor activations;
        try
        {
            using SafetensorsFile stored = SafetensorsFile.Open(path);
            TensorInfo info = stored.Get(ActivationStore.TensorName);
            if (info.Shape.Length != 3 || peak < 0 || peak >= info.Shape[0])
            {
                return [Missing($"results.json's geometry.peak_layer is {peak}, but the activations in {path} have shape [{string.Join(", ", info.Shape)}] ([streams, prompts, hidden])")];
            }

            activations = stored.ReadSlice(ActivationStore.TensorName, peak);
        }
        catch (BadInputException e)
        {
            // The file may be one that results.json was edited to name: say how it was reached.
            string results = Path.Combine(context.OutDir, ReportFolder.ResultsFileName);
            throw new BadInputException($"{e.Message} ({results} names it as capture.file, the campaign's activations.)", e.Source, e.Field, e);
        }

        if (activations.shape[0] != prompts.Count)
        {
            return [Missing($"the activations hold {activations.shape[0]} prompts but {PromptManifest.FileName} lists {prompts.Count}")];
        }

        if (prompts.Count < MinPoints)
        {
            return [Missing($"the campaign has {prompts.Count} prompts; a map needs at least {MinPoints}")];
        }

        int[] chosen = Sample(prompts, MaxPoints);
        Tensor points = activations.index_select(0, tensor(chosen.Select(i => (long)i).ToArray()));
        string[] labels = [.. chosen.Select(i => prompts[i].Category)];
        string[] hover = [.. chosen.Select(i => Hover(prompts[i]))];
        string sampled = chosen.Length < prompts.Count ? $" A stratified sample of {chosen.Length} of the {prompts.Count} prompts is mapped." : string.Empty;

        LayerMap pca = LayerMap.FromPca(points, labels, peak);
        string pc1 = Percent(pca.Parameters["explained_variance_ratio_1"]), pc2 = Percent(pca.Parameters["explained_variance_ratio_2"]);
        var umapOptions = UmapOptions.Default with { Neighbours = Math.Min(UmapOptions.Default.Neighbours, chosen.Length - 1) };
        LayerMap umap = LayerMap.FromUmap(points, labels, peak, umapOptions);
        return
        [
            Map(context, pca, hover, "map-pca", $"PCA of the activations at stream {peak}", $"PC1 ({pc1}%)", $"PC2 ({pc2}%)",
                $"Each point is one prompt's captured residual at the peak stream {peak}, projected on the first two principal components (PC1 {pc1}%, PC2 {pc2}% of the variance), coloured by category.{sampled} {Separation(pca)} {chosen.Length} prompts; no generation."),
            Map(context, umap, hover, "map-umap", $"UMAP of the activations at stream {peak}", "UMAP 1", "UMAP 2",
                string.Create(CultureInfo.InvariantCulture, $"The same activations laid out by UMAP ({umap.Parameters["n_neighbors"]} neighbours, min_dist {umap.Parameters["min_dist"]}, {umap.Parameters["n_epochs"]} epochs, seed {umap.Parameters["seed"]}), coloured by category: prompts the model treats alike sit together. Distances between clusters mean little in UMAP.{sampled} {Separation(umap)} {chosen.Length} prompts; no generation.")),
        ];
    }

    private static ReportFigure Map(ReportContext context, LayerMap map, string[] hover, string id, string title, string xTitle, string yTitle, string caption)
    {
        var traces = new List<JsonObject>();
        foreach (var category in Enumerable.Range(0, map.Labels.Count).GroupBy(i => map.Labels[i]))
        {
            traces.Add(new JsonObject
            {
                ["type"] = "scatter", ["mode"] = "markers", ["name"] = category.Key,
                ["x"] = Plot.Numbers(category.Select(i => map.Coordinates[i, 0])),
                ["y"] = Plot.Numbers(category.Select(i => map.Coordinates[i, 1])),
                ["text"] = Plot.Strings(category.Select(i => hover[i])),
                ["marker"] = new JsonObject { ["color"] = context.Color(category.Key), ["size"] = 6, ["opacity"] = 0.8 },
                ["hovertemplate"] = "%{text}<extra>%{fullData.name}</extra>",
            });
        }

        return new ReportFigure(id, "Geometry", title, caption, Plot.Figure(traces, Plot.Layout(xTitle, yTitle, ("height", 480))));
    }

    /// <summary>The caption's honesty check: a map that separates categories much better than the activations do is drawing structure that is not there.</summary>
    private static string Separation(LayerMap map) => string.Create(
        CultureInfo.InvariantCulture,
        $"Leave-one-out {map.MapSeparation.K}-NN misclassifies {Percent(map.MapSeparation.Rate)}% of the prompts' categories in the map and {Percent(map.InputSeparation.Rate)}% in the activations themselves.");

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

    private static string Percent(double share) => (100 * share).ToString("F1", CultureInfo.InvariantCulture);

    private static string Hover((string Id, string Category, string Prompt) prompt) =>
        $"{prompt.Id}: {(prompt.Prompt.Length > 80 ? prompt.Prompt[..80] + "…" : prompt.Prompt)}";
}
