using System.Text.Json.Nodes;
using Geode.Tests;

namespace Geode.Client.Tests.Monitoring;

/// <summary>The shipped Grafana dashboard, <c>deploy/grafana/dashboards/geode.json</c>, as the tests read it.</summary>
internal static class GrafanaDashboard
{
    /// <summary>The dashboard file.</summary>
    public static string File => Path.Combine(RepositoryPaths.Root, "deploy", "grafana", "dashboards", "geode.json");

    /// <summary>Every query's <c>expr</c>, with the title of its panel, rows' nested panels included.</summary>
    public static IReadOnlyList<(string Panel, string Expr)> Expressions()
    {
        JsonNode dashboard = JsonNode.Parse(System.IO.File.ReadAllText(File))!;
        var found = new List<(string, string)>();
        Collect(dashboard["panels"]!.AsArray(), found);
        return found;
    }

    /// <summary>
    /// <paramref name="expr"/> with Grafana's variables replaced by what Grafana would send with
    /// every silo selected, so Prometheus can evaluate it.
    /// </summary>
    public static string AsSent(string expr) => expr.Replace("$__rate_interval", "1m", StringComparison.Ordinal).Replace("$silo", ".*", StringComparison.Ordinal);

    private static void Collect(JsonArray panels, List<(string, string)> found)
    {
        foreach (JsonNode? panel in panels)
        {
            string title = (string?)panel!["title"] ?? "(untitled)";
            foreach (JsonNode? target in panel["targets"]?.AsArray() ?? [])
            {
                if ((string?)target!["expr"] is { Length: > 0 } expr)
                {
                    found.Add((title, expr));
                }
            }

            if (panel["panels"] is JsonArray nested)
            {
                Collect(nested, found);
            }
        }
    }
}
