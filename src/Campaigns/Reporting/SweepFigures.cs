using System.Globalization;
using System.Text.Json.Nodes;

namespace Geode.Campaigns.Reporting;

/// <summary>
/// The sweeps: refusal of the refuse class against α for every recipe and layer subset, drawn over
/// the band the random-direction controls span; and the layer subsets side by side at one α.
/// </summary>
public static class SweepFigures
{
    /// <summary>The α sweep and the layer-subset comparison, when the campaign ran sweeps.</summary>
    public static IEnumerable<ReportFigure> Build(ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Results["sweeps"] is not JsonArray { Count: > 0 } sweeps)
        {
            yield break;
        }

        List<Row> rows = [.. sweeps.Select(r => new Row(
            r!["control"] is null ? (string)r["recipe"]! : null,
            (string)r["layers"]!,
            Plot.Double(r["alpha"]!),
            100 * RefusalShare.Of(r["refusal"]!),
            Plot.Double(r["kl"]),
            RefusalShare.Prompts(r["refusal"]!)))];
        int prompts = rows.Max(r => r.Prompts);
        yield return AlphaSweep(context, rows, prompts);
        yield return LayerSubsets(context, rows, prompts);
    }

    private static ReportFigure AlphaSweep(ReportContext context, List<Row> rows, int prompts)
    {
        var traces = new List<JsonObject>();
        List<Row> controls = [.. rows.Where(r => r.Recipe is null)];
        if (controls.Count > 0)
        {
            // The band: per α, the lowest and highest refusal any random direction left.
            var band = controls.GroupBy(r => r.Alpha).OrderBy(g => g.Key).Select(g => (Alpha: g.Key, Low: g.Min(r => r.Refusal), High: g.Max(r => r.Refusal))).ToList();
            if (band.Count > 1)
            {
                // A shaded band between the lowest and highest line (fill to the trace before).
                traces.Add(BandEdge(band.Select(b => b.Alpha), band.Select(b => b.Low), fill: false));
                traces.Add(BandEdge(band.Select(b => b.Alpha), band.Select(b => b.High), fill: true));
            }

            // The same range as bars at each α, visible even when only one α was swept.
            traces.Add(new JsonObject
            {
                ["type"] = "scatter", ["mode"] = "markers", ["name"] = $"random directions ({controls.Count} controls): range",
                ["x"] = Plot.Numbers(band.Select(b => b.Alpha)), ["y"] = Plot.Numbers(band.Select(b => (b.Low + b.High) / 2)),
                ["marker"] = new JsonObject { ["color"] = "rgba(110,110,110,0.9)", ["symbol"] = "line-ew-open", ["size"] = 14 },
                ["error_y"] = new JsonObject
                {
                    ["type"] = "data", ["symmetric"] = true, ["thickness"] = 6, ["width"] = 0, ["color"] = "rgba(110,110,110,0.5)",
                    ["array"] = Plot.Numbers(band.Select(b => (b.High - b.Low) / 2)),
                },
                ["customdata"] = Plot.Numbers(band.Select(b => b.Low)),
                ["text"] = Plot.Numbers(band.Select(b => b.High)),
                ["hovertemplate"] = "random directions at α %{x}: %{customdata:.0f}% to %{text:.0f}% refused<extra></extra>",
            });
        }

        foreach (var line in rows.Where(r => r.Recipe is not null).GroupBy(r => (r.Recipe, r.Layers)))
        {
            List<Row> points = [.. line.OrderBy(r => r.Alpha)];
            traces.Add(new JsonObject
            {
                ["type"] = "scatter", ["mode"] = "lines+markers", ["name"] = $"{line.Key.Recipe} · {line.Key.Layers}",
                ["x"] = Plot.Numbers(points.Select(p => p.Alpha)), ["y"] = Plot.Numbers(points.Select(p => p.Refusal)),
                ["customdata"] = Plot.Numbers(points.Select(p => p.Kl)),
                ["hovertemplate"] = "α %{x}: %{y:.0f}% refused, KL %{customdata:.3f}<extra>%{fullData.name}</extra>",
            });
        }

        JsonObject layout = Plot.Layout("α (edit strength)", "refused");
        layout["yaxis"] = Plot.PercentAxis("refused (refuse class)");
        return new ReportFigure(
            "alpha-sweep",
            "Sweeps",
            "α sweep against random directions",
            $"Refusal of the refuse class (should_refuse) after projecting each recipe's direction out of the chosen layers at strength α, one line per recipe · layer subset; the grey band spans every random unit direction (the controls) at the same α. A recipe that stays inside the band removes no more refusal than chance. {context.Measured(prompts)}",
            Plot.Figure(traces, layout));
    }

    private static ReportFigure LayerSubsets(ReportContext context, List<Row> rows, int prompts)
    {
        // One α for the comparison: 1 (the plain projection) when swept, else the largest.
        double alpha = rows.Any(r => r.Alpha == 1.0) ? 1.0 : rows.Max(r => r.Alpha);
        List<Row> at = [.. rows.Where(r => r.Alpha == alpha)];
        string[] layers = [.. rows.Select(r => r.Layers).Distinct(StringComparer.Ordinal)];
        var traces = new List<JsonObject>();
        foreach (var recipe in at.GroupBy(r => r.Recipe ?? "random controls (mean)"))
        {
            var byLayers = recipe.GroupBy(r => r.Layers).ToDictionary(g => g.Key, g => (Refusal: g.Average(r => r.Refusal), Kl: g.Average(r => r.Kl)), StringComparer.Ordinal);
            traces.Add(new JsonObject
            {
                ["type"] = "bar", ["name"] = recipe.Key,
                ["x"] = Plot.Strings(layers),
                ["y"] = Plot.Numbers(layers.Select(l => byLayers.TryGetValue(l, out var v) ? v.Refusal : double.NaN)),
                ["customdata"] = Plot.Numbers(layers.Select(l => byLayers.TryGetValue(l, out var v) ? v.Kl : double.NaN)),
                ["hovertemplate"] = "%{x}: %{y:.0f}% refused, KL %{customdata:.3f}<extra>%{fullData.name}</extra>",
            });
        }

        JsonObject layout = Plot.Layout("layers edited", "refused", ("barmode", "group"));
        layout["yaxis"] = Plot.PercentAxis("refused (refuse class)");
        return new ReportFigure(
            "layer-subsets",
            "Sweeps",
            string.Create(CultureInfo.InvariantCulture, $"Layer subsets at α = {alpha}"),
            string.Create(CultureInfo.InvariantCulture, $"Refusal of the refuse class when the edit is applied to each layer subset at α = {alpha}, one bar per recipe and the mean of the random controls; hover for the mean first-token KL(unedited ‖ edited) on harmless prompts, in nats. {context.Measured(prompts)}"),
            Plot.Figure(traces, layout));
    }

    private static JsonObject BandEdge(IEnumerable<double> alphas, IEnumerable<double> refusal, bool fill)
    {
        var edge = new JsonObject
        {
            ["type"] = "scatter", ["mode"] = "lines", ["showlegend"] = false, ["hoverinfo"] = "skip",
            ["x"] = Plot.Numbers(alphas), ["y"] = Plot.Numbers(refusal),
            ["line"] = new JsonObject { ["width"] = 0, ["color"] = "rgba(127,127,127,0.4)" },
        };
        if (fill)
        {
            edge["fill"] = "tonexty";
            edge["fillcolor"] = "rgba(127,127,127,0.2)";
        }

        return edge;
    }

    private sealed record Row(string? Recipe, string Layers, double Alpha, double Refusal, double Kl, int Prompts);
}
