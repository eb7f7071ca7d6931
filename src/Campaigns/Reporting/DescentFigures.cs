using System.Text.Json.Nodes;

namespace Geode.Campaigns.Reporting;

/// <summary>The descent curve: refusal per category and KL as the removed basis grows one rank at a time.</summary>
public static class DescentFigures
{
    /// <summary>The curve, when the campaign ran a descent.</summary>
    public static IEnumerable<ReportFigure> Build(ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Results["descent"] is not JsonObject descent || descent["points"] is not JsonArray { Count: > 0 } points)
        {
            yield break;
        }

        double[] ranks = [.. points.Select(p => (double)(int)p!["rank"]!)];
        var traces = new List<JsonObject>();
        string[] categories = [.. points.SelectMany(p => p!["categories"]!.AsObject().Select(c => c.Key)).Distinct(StringComparer.Ordinal)];
        foreach (string category in categories)
        {
            traces.Add(new JsonObject
            {
                ["type"] = "scatter", ["mode"] = "lines+markers", ["name"] = category,
                ["x"] = Plot.Numbers(ranks), ["y"] = Plot.Numbers(points.Select(p => Plot.Percent(p!["categories"]![category]?["rate"]))),
                ["line"] = new JsonObject { ["color"] = context.Color(category) },
                ["hovertemplate"] = "rank %{x}: %{y:.0f}% refused<extra>%{fullData.name}</extra>",
            });
        }

        traces.Add(new JsonObject
        {
            ["type"] = "scatter", ["mode"] = "lines+markers", ["name"] = "KL (right axis)", ["yaxis"] = "y2",
            ["x"] = Plot.Numbers(ranks), ["y"] = Plot.Numbers(points.Select(p => Plot.Double(p!["kl"]))),
            ["line"] = new JsonObject { ["dash"] = "dot", ["color"] = "#333" },
            ["hovertemplate"] = "rank %{x}: KL %{y:.3f}<extra></extra>",
        });
        JsonObject layout = Plot.Layout("rank of the removed basis", "refused");
        layout["yaxis"] = Plot.PercentAxis("refused");
        layout["xaxis"]!["dtick"] = 1;
        layout["yaxis2"] = new JsonObject { ["title"] = new JsonObject { ["text"] = "KL (nats)" }, ["overlaying"] = "y", ["side"] = "right", ["rangemode"] = "tozero", ["tickformat"] = ".3~f", ["automargin"] = true };
        int prompts = points.Max(p => RefusalShare.Prompts(p!["categories"]!));
        yield return new ReportFigure(
            "descent",
            "Descent",
            $"Descent curve ({descent["strategy"]}, stopped: {descent["stop_reason"]})",
            $"Refusal per category (left axis) and mean first-token KL(unedited ‖ edited) on harmless prompts (right axis, dotted) as the edit removes a basis of growing rank at stream {descent["stream"]} (rank 0: unedited). Strategy {descent["strategy"]}; it stopped because of: {descent["stop_reason"]}. {context.Measured(prompts)}",
            Plot.Figure(traces, layout));
    }
}
