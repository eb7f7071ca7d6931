using System.Text.Json.Nodes;
using Geode.Tests;

namespace Geode.Client.Tests.Monitoring;

/// <summary>
/// The metric-name extraction the dashboard check relies on, and the provisioning files the
/// Kubernetes manifests mount: the dashboard uses the datasource they provision.
/// </summary>
public sealed class DashboardFileTests
{
    [Theory]
    [InlineData("sum by (silo) (rate(geode_prompts_processed_total{silo=~\"$silo\"}[$__rate_interval]))", "geode_prompts_processed_total")]
    [InlineData("histogram_quantile(0.99, sum by (le, stage) (rate(geode_unit_duration_seconds_bucket{kind=\"shard\"}[5m])))", "geode_unit_duration_seconds_bucket")]
    [InlineData("sum(rate(a_sum[1m])) by (kind) / on (kind) group_left sum without (le) (rate(a_count[1m] offset 5m))", "a_count a_sum")]
    [InlineData("label_replace(up{job=\"x\"}, \"dst\", \"$1\", \"src\", \"(.*)\") * 1e3 > bool 0x10 and ignoring (instance) other:recorded", "other:recorded up")]
    [InlineData("max_over_time(deriv(x_bytes[10m:1m])[1h:]) or vector(0)", "x_bytes")]
    public void Metric_names_are_read_from_PromQL_without_functions_labels_or_durations(string expr, string expected)
    {
        Assert.Equal(expected.Split(' '), PromQl.MetricNames(expr));
    }

    [Fact]
    public void Every_panel_queries_the_provisioned_Prometheus_datasource()
    {
        string provisioning = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "grafana", "provisioning", "datasources", "prometheus.yaml"));
        Assert.Contains("uid: prometheus", provisioning);
        Assert.Contains("type: prometheus", provisioning);
        Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, "deploy", "grafana", "provisioning", "dashboards", "geode.yaml")));

        JsonNode dashboard = JsonNode.Parse(File.ReadAllText(GrafanaDashboard.File))!;
        var uids = new List<string?>();
        foreach (JsonNode? panel in dashboard["panels"]!.AsArray())
        {
            uids.Add((string?)panel!["datasource"]?["uid"] ?? "prometheus");
            uids.AddRange(panel["targets"]?.AsArray().Select(t => (string?)t!["datasource"]!["uid"]) ?? []);
        }

        Assert.All(uids, uid => Assert.Equal("prometheus", uid));
        Assert.Equal("geode", (string?)dashboard["uid"]);
    }
}
