using System.Globalization;
using System.Text.Json.Nodes;

namespace Geode.Campaigns.Reporting;

/// <summary>
/// Refusal by category: the baseline with its intervals, and the heatmap of every category under
/// every variant the campaign evaluated (baseline, sweep rows, cascade rows, descent ranks,
/// selective strengths), each cell with its count and 95% interval.
/// </summary>
public static class RefusalFigures
{
    /// <summary>The baseline bars and the category × variant heatmap (whatever of them the results hold).</summary>
    public static IEnumerable<ReportFigure> Build(ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Results["baseline"] is JsonObject baseline)
        {
            yield return Baseline(context, baseline);
        }

        List<(string Name, JsonObject Refusal)> variants = [.. Variants(context.Results)];
        if (variants.Count > 1)
        {
            yield return Heatmap(context, variants);
        }
    }

    private static ReportFigure Baseline(ReportContext context, JsonObject baseline)
    {
        JsonObject categories = baseline["categories"]!.AsObject();
        string[] names = [.. categories.Select(c => c.Key)];
        double[] rates = [.. categories.Select(c => Plot.Percent(c.Value!["rate"]))];
        var trace = new JsonObject
        {
            ["type"] = "bar",
            ["x"] = Plot.Strings(names),
            ["y"] = Plot.Numbers(rates),
            ["marker"] = new JsonObject { ["color"] = Plot.Strings(names.Select(context.Color)) },
            ["error_y"] = new JsonObject
            {
                ["type"] = "data",
                ["symmetric"] = false,
                ["array"] = Plot.Numbers(categories.Select((c, i) => Plot.Percent(c.Value!["ci"]![1]) - rates[i])),
                ["arrayminus"] = Plot.Numbers(categories.Select((c, i) => rates[i] - Plot.Percent(c.Value!["ci"]![0]))),
            },
            ["text"] = Plot.Strings(categories.Select(c => $"{c.Value!["refused"]}/{c.Value["n"]}")),
            ["textposition"] = "outside",
            ["hovertemplate"] = "%{x}: %{y:.0f}% refused (%{text})<extra></extra>",
        };
        JsonObject layout = Plot.Layout("category", "refused");
        layout["yaxis"] = Plot.PercentAxis("refused");
        return new ReportFigure(
            "baseline-refusal",
            "Baseline",
            "Refusal by category, unedited model",
            $"Share of prompts the unedited model refused, per category, with 95% bootstrap intervals (error bars) and counts. {context.Measured((int)baseline["prompts"]!)}",
            Plot.Figure([trace], layout));
    }

    private static ReportFigure Heatmap(ReportContext context, List<(string Name, JsonObject Refusal)> variants)
    {
        string[] categories = [.. variants.SelectMany(v => v.Refusal.Select(c => c.Key)).Distinct(StringComparer.Ordinal)];
        var z = new JsonArray();
        var text = new JsonArray();
        foreach (string category in categories)
        {
            z.Add(Plot.Numbers(variants.Select(v => v.Refusal[category] is JsonNode c ? Plot.Percent(c["rate"]) : double.NaN)));
            text.Add(Plot.Strings(variants.Select(v => v.Refusal[category] is JsonNode c
                ? string.Create(CultureInfo.InvariantCulture, $"{c["refused"]}/{c["n"]}, 95% CI [{Plot.Percent(c["ci"]![0]):F0}, {Plot.Percent(c["ci"]![1]):F0}]%")
                : "not evaluated")));
        }

        // Columns are indices with short tick labels; the full variant name is in the hover.
        var names = new JsonArray([.. categories.Select(_ => (JsonNode?)Plot.Strings(variants.Select(v => v.Name)))]);
        var trace = new JsonObject
        {
            ["type"] = "heatmap",
            ["x"] = Plot.Numbers(variants.Select((_, i) => (double)i)),
            ["y"] = Plot.Strings(categories),
            ["z"] = z,
            ["text"] = text,
            ["customdata"] = names,
            ["zmin"] = 0,
            ["zmax"] = 100,
            // Plotly's RdBu runs blue (0) to red (1): refusal reads as red.
            ["colorscale"] = "RdBu",
            ["colorbar"] = new JsonObject { ["title"] = new JsonObject { ["text"] = "refused %" } },
            ["hovertemplate"] = "%{customdata}<br>%{y}: %{z:.0f}% refused<br>%{text}<extra></extra>",
            ["xgap"] = 1,
            ["ygap"] = 1,
        };
        if (variants.Count <= 24)
        {
            trace["texttemplate"] = "%{z:.0f}";
        }

        JsonObject layout = Plot.Layout("variant (edit)", "category", ("height", 300 + (30 * categories.Length)));
        layout["xaxis"]!["tickangle"] = -45;
        layout["xaxis"]!["tickvals"] = Plot.Numbers(variants.Select((_, i) => (double)i));
        layout["xaxis"]!["ticktext"] = Plot.Strings(variants.Select(v => v.Name.Length > 32 ? v.Name[..31] + "…" : v.Name));
        layout["yaxis"]!["autorange"] = "reversed";
        int prompts = variants.Max(v => RefusalShare.Prompts(v.Refusal));
        return new ReportFigure(
            "refusal-heatmap",
            "Refusal by category and edit",
            "Refusal by category × variant",
            $"Refused share per category (rows) under each evaluated variant (columns): the baseline, every sweep row (recipe or random control · layers · α), each cascade row's confirmation (its smoke round when not confirmed), each descent rank and each selective α. Hover for counts and 95% intervals. Up to {context.Measured(prompts)}",
            Plot.Figure([trace], layout));
    }

    /// <summary>Every refusal block in the results, named for the heatmap's columns.</summary>
    private static IEnumerable<(string Name, JsonObject Refusal)> Variants(JsonObject results)
    {
        if (results["baseline"]?["categories"] is JsonObject baseline)
        {
            yield return ("baseline", baseline);
        }

        foreach (JsonNode? row in results["sweeps"] as JsonArray ?? [])
        {
            string recipe = row!["control"] is null ? (string)row["recipe"]! : $"random #{row["control"]}";
            yield return ($"{recipe} · {row["layers"]} · α {row["alpha"]}", row["refusal"]!.AsObject());
        }

        foreach (JsonNode? row in results["cascade"]?["rows"] as JsonArray ?? [])
        {
            JsonNode? outcome = row!["confirm"] ?? row["smoke"];
            if (outcome?["categories"] is JsonObject categories)
            {
                yield return ($"cascade {row["row"]}: {row["name"]}", categories);
            }
        }

        foreach (JsonNode? point in results["descent"]?["points"] as JsonArray ?? [])
        {
            yield return ($"descent rank {point!["rank"]}", point["categories"]!.AsObject());
        }

        foreach (JsonNode? point in results["selective"]?["points"] as JsonArray ?? [])
        {
            yield return ($"selective α {point!["alpha"]}", point["categories"]!.AsObject());
        }
    }
}
