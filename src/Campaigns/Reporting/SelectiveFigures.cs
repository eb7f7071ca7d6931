using System.Globalization;
using System.Text.Json.Nodes;

namespace Geode.Campaigns.Reporting;

/// <summary>
/// The selective edit's Pareto front: refusal of the categories to free against refusal of the
/// categories to keep, one point per strength α, the front and the KL budget marked.
/// </summary>
public static class SelectiveFigures
{
    /// <summary>The front, when the campaign ran the selective stage.</summary>
    public static IEnumerable<ReportFigure> Build(ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Results["selective"] is not JsonObject selective || selective["points"] is not JsonArray { Count: > 0 } points)
        {
            yield break;
        }

        JsonObject Points(string name, IEnumerable<JsonNode> chosen, JsonObject marker) => new()
        {
            ["type"] = "scatter", ["mode"] = "markers", ["name"] = name,
            ["x"] = Plot.Numbers(chosen.Select(p => Plot.Percent(p["freed_refusal"]))),
            ["y"] = Plot.Numbers(chosen.Select(p => Plot.Percent(p["kept_refusal"]))),
            ["text"] = Plot.Strings(chosen.Select(p => string.Create(CultureInfo.InvariantCulture, $"α {p["alpha"]}"))),
            ["customdata"] = Plot.Numbers(chosen.Select(p => Plot.Double(p["kl"]))),
            ["textposition"] = "top center",
            ["marker"] = marker,
            ["hovertemplate"] = "%{text}: freed %{x:.0f}% refused, kept %{y:.0f}% refused, KL %{customdata:.3f}<extra>%{fullData.name}</extra>",
        };

        List<JsonNode> all = [.. points.Select(p => p!)];
        List<JsonNode> front = [.. all.Where(p => (bool)p["on_front"]!).OrderBy(p => Plot.Double(p["freed_refusal"]!))];
        var traces = new List<JsonObject>
        {
            Points("within the KL budget", all.Where(p => (bool)p["within_kl_budget"]!), new JsonObject { ["size"] = 11, ["color"] = "#1f77b4" }),
            Points("over the KL budget", all.Where(p => !(bool)p["within_kl_budget"]!), new JsonObject { ["size"] = 11, ["color"] = "#bbbbbb", ["symbol"] = "x" }),
        };
        JsonObject frontLine = Points("Pareto front", front, new JsonObject { ["size"] = 16, ["color"] = "rgba(0,0,0,0)", ["line"] = new JsonObject { ["width"] = 2, ["color"] = "#d62728" } });
        frontLine["mode"] = "lines+markers+text";
        frontLine["line"] = new JsonObject { ["color"] = "#d62728", ["dash"] = "dash" };
        traces.Add(frontLine);
        JsonObject layout = Plot.Layout("freed categories: refused", "kept categories: refused");
        // Axes follow the points (they often sit in a corner of 0..100%), so the front stays legible.
        layout["xaxis"] = new JsonObject { ["title"] = new JsonObject { ["text"] = "freed categories: refused (lower is better)" }, ["ticksuffix"] = "%", ["automargin"] = true };
        layout["yaxis"] = new JsonObject { ["title"] = new JsonObject { ["text"] = "kept categories: refused (higher is better)" }, ["ticksuffix"] = "%", ["automargin"] = true };
        string free = string.Join(", ", selective["free"]!.AsArray().Select(c => (string)c!));
        string keep = string.Join(", ", selective["keep"]!.AsArray().Select(c => (string)c!));
        int prompts = all.Max(p => RefusalShare.Prompts(p["categories"]!));
        yield return new ReportFigure(
            "selective-front",
            "Selective",
            "Selective edit: Pareto front",
            string.Create(CultureInfo.InvariantCulture, $"Each point is one strength α of the selective edit at stream {selective["layer"]}: pooled refusal of the categories to free ({free}) against pooled refusal of the categories to keep ({keep}). The dashed line joins the Pareto front; grey crosses exceed the KL budget of {selective["kl_budget"]}. cos(free direction, keep direction) = {Plot.Double(selective["cosine_free_keep"]):F3}: the closer to 1, the less a selective edit can separate them. {context.Measured(prompts)}"),
            Plot.Figure(traces, layout));
    }
}
