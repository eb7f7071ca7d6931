using System.Globalization;
using System.Text.Json.Nodes;

namespace Geode.Campaigns.Reporting;

/// <summary>
/// Weight-diff spectra: for each fork the diff stage compared, the singular values of ΔW of every
/// changed matrix (largest first), the signature of a low-rank edit such as abliteration.
/// </summary>
public static class DiffFigures
{
    /// <summary>At most this many changed matrices per fork are drawn, the largest ‖ΔW‖ first.</summary>
    public const int MaxTensors = 24;

    /// <summary>One spectrum chart per fork, when the campaign ran a diff and its diff JSON is in the output folder.</summary>
    public static IEnumerable<ReportFigure> Build(ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Results["diff"] is not JsonArray forks)
        {
            yield break;
        }

        int index = 0;
        foreach (JsonNode? fork in forks)
        {
            string file = Path.Combine(context.OutDir, (string)fork!["diff_json"]!);
            if (!File.Exists(file) || JsonNode.Parse(File.ReadAllText(file)) is not JsonArray tensors)
            {
                continue;
            }

            List<JsonNode> changed = [.. tensors.Where(t => t!["spectrum"] is JsonArray { Count: > 0 }).Select(t => t!)
                .OrderByDescending(t => Plot.Double(t["delta_norm"])).Take(MaxTensors)];
            var traces = changed.Select(t =>
            {
                JsonArray spectrum = t["spectrum"]!.AsArray();
                return new JsonObject
                {
                    ["type"] = "scatter", ["mode"] = "lines+markers", ["name"] = (string)t["name"]!,
                    ["x"] = Plot.Numbers(Enumerable.Range(1, spectrum.Count).Select(i => (double)i)),
                    ["y"] = Plot.Numbers(spectrum.Select(v => Plot.Double(v))),
                    ["hovertemplate"] = "σ%{x} = %{y:.4g}<extra>%{fullData.name}</extra>",
                };
            }).ToList();
            int total = tensors.Count(t => (bool?)t!["changed"] == true);
            JsonObject layout = Plot.Layout("singular value index", "σ of ΔW", ("height", 460));
            layout["yaxis"]!["type"] = "log";
            layout["legend"] = new JsonObject { ["font"] = new JsonObject { ["size"] = 9 } };
            yield return new ReportFigure(
                string.Create(CultureInfo.InvariantCulture, $"diff-spectra-{index++}"),
                "Weight diff",
                $"Spectra of ΔW: {fork["fork"]}",
                string.Create(CultureInfo.InvariantCulture, $"Singular values of ΔW = W_fork − W_base for the {changed.Count} largest of the {total} changed matrices of {fork["fork"]} (log scale). One dominant σ per matrix is a rank-1 edit such as directional ablation; a flat spectrum is fine-tuning. Weights only: no prompts, no generation."),
                Plot.Figure(traces, layout));
        }
    }
}
