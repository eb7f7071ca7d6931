using System.Globalization;
using System.Text.Json.Nodes;

namespace Geode.Campaigns.Reporting;

/// <summary>
/// The geometry stage: Cohen's d of the refuse-vs-comply direction on every residual stream with
/// the global-attention layers marked and the random-direction null drawn as a band, and the
/// cosines between the per-category directions.
/// </summary>
public static class GeometryFigures
{
    /// <summary>The Cohen's d profile and the category cosine heatmap, when the campaign ran geometry.</summary>
    public static IEnumerable<ReportFigure> Build(ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Results["geometry"] is not JsonObject geometry)
        {
            yield break;
        }

        int prompts = (int?)context.Results["capture"]?["prompts"] ?? 0;
        yield return CohensD(context, geometry, prompts);
        if (geometry["categories"] is JsonObject categories)
        {
            yield return Cosines(categories, prompts);
        }
    }

    private static ReportFigure CohensD(ReportContext context, JsonObject geometry, int prompts)
    {
        JsonArray layers = geometry["layers"]!.AsArray();
        int[] streams = [.. layers.Select(l => (int)l!["layer"]!)];
        double[] d = [.. layers.Select(l => Plot.Double(l!["cohen_d"]))];
        // Stream s is the residual after decoder layer s − 1 (stream 0 is the embeddings).
        bool Global(int stream) => context.Attention is { } attention && stream >= 1 && stream <= attention.Count && attention[stream - 1] == "full";
        int peak = (int)geometry["peak_layer"]!;
        double random = ((JsonArray)geometry["random_cohen_d"]!).Select(v => v is null ? 0 : Math.Abs(Plot.Double(v))).DefaultIfEmpty(0).Max();
        var traces = new List<JsonObject>
        {
            new()
            {
                ["type"] = "scatter", ["mode"] = "lines+markers", ["name"] = "diff-of-means direction",
                ["x"] = Plot.Numbers(streams.Select(s => (double)s)), ["y"] = Plot.Numbers(d),
                ["marker"] = new JsonObject
                {
                    ["size"] = new JsonArray([.. streams.Select(s => (JsonNode?)(s == peak ? 14 : 8))]),
                    ["symbol"] = Plot.Strings(streams.Select(s => Global(s) ? "diamond" : "circle")),
                    ["color"] = Plot.Strings(streams.Select(s => Global(s) ? "#d62728" : "#1f77b4")),
                },
                ["text"] = Plot.Strings(streams.Select(s => (Global(s) ? "global attention" : s == 0 ? "embeddings" : "sliding attention") + (s == peak ? ", peak" : ""))),
                ["hovertemplate"] = "stream %{x}: d = %{y:.2f} (%{text})<extra></extra>",
            },
        };
        if (context.Attention is not null)
        {
            // A legend entry for the marker that flags global-attention layers.
            traces.Add(new JsonObject
            {
                ["type"] = "scatter", ["mode"] = "markers", ["name"] = "after a global-attention layer",
                ["x"] = Plot.Numbers(streams.Where(Global).Select(s => (double)s)),
                ["y"] = Plot.Numbers(streams.Where(Global).Select(s => d[Array.IndexOf(streams, s)])),
                ["marker"] = new JsonObject { ["symbol"] = "diamond-open", ["size"] = 16, ["color"] = "#d62728" },
                ["hoverinfo"] = "skip",
            });
        }

        JsonObject layout = Plot.Layout("residual stream (0 = embeddings, s = after layer s − 1)", "Cohen's d");
        layout["shapes"] = new JsonArray(new JsonObject
        {
            ["type"] = "rect", ["xref"] = "paper", ["x0"] = 0, ["x1"] = 1, ["y0"] = 0, ["y1"] = random,
            ["fillcolor"] = "rgba(127,127,127,0.2)", ["line"] = new JsonObject { ["width"] = 0 },
        });
        layout["annotations"] = new JsonArray(new JsonObject
        {
            ["xref"] = "paper", ["x"] = 0.01, ["y"] = random, ["yanchor"] = "bottom", ["showarrow"] = false,
            ["text"] = string.Create(CultureInfo.InvariantCulture, $"random directions: |d| ≤ {random:F2}"),
        });
        string marks = context.Attention is null ? "Layer types were not recorded in these results, so global layers are not marked." : "Diamonds mark streams right after a global (full) attention layer.";
        return new ReportFigure(
            "cohen-d",
            "Geometry",
            "Cohen's d by layer",
            string.Create(CultureInfo.InvariantCulture, $"Separation of the refuse class from the comply class along the difference-of-means direction of each residual stream, measured as Cohen's d on captured activations (last position, chat template). {marks} The peak (largest marker, stream {peak}) is where later stages take the direction. The grey band runs from 0 to the largest |d| that {((JsonArray)geometry["random_cohen_d"]!).Count} random unit directions reach at the peak. {prompts} prompts; no generation."),
            Plot.Figure(traces, layout));
    }

    private static ReportFigure Cosines(JsonObject categories, int prompts)
    {
        string[] names = [.. categories["names"]!.AsArray().Select(n => (string)n!)];
        var z = new JsonArray([.. categories["cosines"]!.AsArray().Select(row => (JsonNode?)Plot.Numbers(row!.AsArray().Select(v => Plot.Double(v))))]);
        var trace = new JsonObject
        {
            ["type"] = "heatmap", ["x"] = Plot.Strings(names), ["y"] = Plot.Strings(names), ["z"] = z,
            ["zmin"] = -1, ["zmax"] = 1, ["colorscale"] = "RdBu", ["texttemplate"] = "%{z:.2f}",
            ["hovertemplate"] = "cos(%{y}, %{x}) = %{z:.3f}<extra></extra>",
        };
        JsonObject layout = Plot.Layout("category", "category", ("height", 220 + (30 * names.Length)));
        layout["yaxis"]!["autorange"] = "reversed";
        return new ReportFigure(
            "category-cosines",
            "Geometry",
            "Cosine between per-category refusal directions",
            $"Each category's direction is its mean activation minus the comply class's mean at the peak stream; cells are the cosines between them (1: the same direction). Categories that share a direction with should_refuse cannot be freed without touching it. {prompts} prompts; no generation.",
            Plot.Figure([trace], layout));
    }
}
