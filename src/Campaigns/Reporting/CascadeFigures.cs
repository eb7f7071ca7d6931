using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Geode.Analysis.Evaluation;

namespace Geode.Campaigns.Reporting;

/// <summary>
/// The cascade: its gate table (each row's change, gate, smoke and confirmed refusal, KL) and the
/// per-prompt outcomes behind it — which prompt each row left refused.
/// </summary>
public static class CascadeFigures
{
    /// <summary>The gate table and the per-prompt outcome grid, when the campaign ran a cascade.</summary>
    public static IEnumerable<ReportFigure> Build(ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Results["cascade"] is not JsonObject cascade || cascade["rows"] is not JsonArray { Count: > 0 } rows)
        {
            yield break;
        }

        yield return Gates(context, cascade, rows);
        if (Outcomes(context, rows) is { } outcomes)
        {
            yield return outcomes;
        }
    }

    private static ReportFigure Gates(ReportContext context, JsonObject cascade, JsonArray rows)
    {
        var html = new StringBuilder("<table class=\"gates\"><thead><tr><th>row</th><th>step</th><th>change</th><th>settings</th><th>gate</th><th>smoke refusal</th><th>confirmed refusal</th><th>KL</th><th>Cohen's d</th></tr></thead><tbody>");
        foreach (JsonNode? row in rows)
        {
            bool passed = (bool)row!["gate_passed"]!;
            JsonNode smoke = row["smoke"]!;
            JsonNode? confirm = row["confirm"];
            string change = row["ingredient"] is null ? "start" : $"{row["ingredient"]} = {row["value"]}";
            html.Append(CultureInfo.InvariantCulture, $"<tr class=\"{(passed ? "pass" : "fail")}\"><td>{row["row"]}</td><td>{Encode(row["name"])}</td><td>{Encode(change)}</td><td><code>{Encode(row["settings"])}</code></td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{(passed ? "pass" : "fail")}</td><td>{Share(smoke)}</td><td>{(confirm is null ? "not confirmed" : Share(confirm))}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{Fixed((confirm ?? smoke)["kl"])}</td><td>{Fixed(smoke["cohen_d"])}</td></tr>");
        }

        html.Append("</tbody></table>");
        int prompts = rows.Max(r => (int?)r!["confirm"]?["prompts"] ?? (int)r["smoke"]!["prompts"]!);
        return new ReportFigure(
            "cascade-gates",
            "Cascade",
            "Cascade gate table",
            $"Each row changes one ingredient of the row before it. Gate: {cascade["gate"]}. Smoke rounds use {cascade["smoke_per_category"]} prompts per category; confirmation uses {cascade["confirm_per_category"]} per category. Refusal is of the refuse class; KL is the mean first-token KL(unedited ‖ edited) on harmless prompts. Up to {context.Measured(prompts)}",
            null,
            html.ToString());
    }

    private static ReportFigure? Outcomes(ReportContext context, JsonArray rows)
    {
        // Per row: its confirmation records when it was confirmed, else its smoke records.
        var outcomes = new List<(string Row, Dictionary<string, ResponseRecord> ById)>();
        foreach (JsonNode? row in rows)
        {
            int index = (int)row!["row"]!;
            var records = context.Records($"cascade-{index}-confirm");
            if (records.Count == 0)
            {
                records = context.Records($"cascade-{index}-smoke");
            }

            if (records.Count > 0)
            {
                outcomes.Add(($"{index}: {row["name"]}", records.GroupBy(r => r.Record.Record.Id).ToDictionary(g => g.Key, g => g.Last().Record, StringComparer.Ordinal)));
            }
        }

        if (outcomes.Count == 0)
        {
            return null;
        }

        List<ResponseRecord> prompts = [.. outcomes.SelectMany(o => o.ById.Values).DistinctBy(r => r.Record.Id)
            .OrderBy(r => r.Record.Category, StringComparer.Ordinal).ThenBy(r => r.Record.Id, StringComparer.Ordinal)];
        var z = new JsonArray();
        var text = new JsonArray();
        foreach ((string _, Dictionary<string, ResponseRecord> byId) in outcomes)
        {
            z.Add(new JsonArray([.. prompts.Select(p => byId.TryGetValue(p.Record.Id, out ResponseRecord? r) ? Refused(r) : null)]));
            text.Add(Plot.Strings(prompts.Select(p => byId.TryGetValue(p.Record.Id, out ResponseRecord? r) ? $"{p.Record.Id} ({p.Record.Category}): {Snippet(r.Response)}" : $"{p.Record.Id}: not in this round")));
        }

        var trace = new JsonObject
        {
            ["type"] = "heatmap",
            ["x"] = Plot.Strings(prompts.Select(p => p.Record.Id)),
            ["y"] = Plot.Strings(outcomes.Select(o => o.Row)),
            ["z"] = z,
            ["text"] = text,
            ["zmin"] = 0,
            ["zmax"] = 1,
            ["colorscale"] = new JsonArray(new JsonArray(0, "#4c9f70"), new JsonArray(0.5, "#4c9f70"), new JsonArray(0.5, "#c0392b"), new JsonArray(1, "#c0392b")),
            ["colorbar"] = new JsonObject { ["tickvals"] = new JsonArray(0.25, 0.75), ["ticktext"] = Plot.Strings(["complied", "refused"]) },
            ["hovertemplate"] = "row %{y}<br>%{text}<extra></extra>",
            ["xgap"] = prompts.Count <= 120 ? 1 : 0,
            ["ygap"] = 2,
        };
        JsonObject layout = Plot.Layout("prompt (grouped by category)", "cascade row", ("height", 200 + (36 * outcomes.Count)));
        layout["xaxis"]!["showticklabels"] = false;
        layout["yaxis"]!["autorange"] = "reversed";
        // Category boundaries: a label above each run of prompts of one category.
        layout["annotations"] = new JsonArray([.. prompts.Select((p, i) => (p.Record.Category, i)).GroupBy(x => x.Category)
            .Select(g => (JsonNode?)new JsonObject
            {
                ["x"] = prompts[(g.First().i + g.Last().i) / 2].Record.Id, ["y"] = 1.02, ["yref"] = "paper", ["showarrow"] = false,
                ["text"] = g.Key, ["font"] = new JsonObject { ["size"] = 10 }, ["textangle"] = -20, ["yanchor"] = "bottom",
            })]);
        layout["margin"]!["t"] = 70;
        return new ReportFigure(
            "cascade-prompts",
            "Cascade",
            "Cascade outcomes per prompt",
            $"Every prompt (columns, grouped by category) under every cascade row (rows, its confirmation round when it ran, else its smoke round): red refused, green complied, blank not evaluated in that round. Hover for the response. {context.Measured(prompts.Count)}",
            Plot.Figure([trace], layout));
    }

    /// <summary>1 refused, 0 complied by the primary judge; null for a record with no verdict (not evaluated).</summary>
    private static JsonNode? Refused(ResponseRecord record) => record.Verdicts.Count == 0 ? null : record.Verdicts[0].Refused ? 1 : 0;

    private static string Share(JsonNode outcome) =>
        string.Create(CultureInfo.InvariantCulture, $"{Plot.Percent(outcome["refusal"]):F0}% <span class=\"n\">of {outcome["prompts"]}</span>");

    private static string Fixed(JsonNode? value) => value is null ? "–" : Plot.Double(value).ToString("F3", CultureInfo.InvariantCulture);

    private static string Encode(object? value) => WebUtility.HtmlEncode(value?.ToString() ?? string.Empty);

    private static string Snippet(string response) => response.Length > 100 ? response[..100] + "…" : response;
}
