using System.Text.Json.Nodes;
using Geode.Grains.Campaigns;

namespace Geode.Client.Tests.Monitoring;

/// <summary>
/// A silo that ran a whole campaign exports what the Grafana dashboard plots, the counters moved,
/// no label carries a prompt, and a real Prometheus scrapes it and answers the dashboard's queries.
/// </summary>
[Collection(Campaigns.CampaignCollection.Name)]
public sealed class SiloMetricsTests(MonitoredCampaign campaign) : IClassFixture<MonitoredCampaign>
{
    // What a geode_ series may be labelled with: bounded values only (DESIGN §5).
    private static readonly HashSet<string> AllowedLabels = ["otel_scope_name", "silo", "stage", "kind", "device", "outcome", "le"];

    [Fact]
    public async Task Every_metric_the_dashboard_queries_is_in_a_scrape_of_a_silo_that_ran_a_campaign()
    {
        Assert.True(campaign.Status?.Phase == CampaignPhase.Succeeded, campaign.Status?.Error ?? campaign.SiloLog);
        PrometheusScrape scrape = PrometheusScrape.Parse(await campaign.ScrapeAsync());
        IReadOnlyList<(string Panel, string Expr)> queries = GrafanaDashboard.Expressions();
        Assert.True(queries.Count >= 10, $"{queries.Count} queries in {GrafanaDashboard.File}");

        var missing = new List<string>();
        foreach ((string panel, string expr) in queries)
        {
            IReadOnlySet<string> names = PromQl.MetricNames(expr);
            Assert.True(names.Count > 0, $"panel '{panel}': no metric name found in {expr}");
            missing.AddRange(names.Where(n => !scrape.Names.Contains(n)).Select(n => $"{n} (panel '{panel}')"));
        }

        Assert.True(missing.Count == 0, $"the dashboard queries metrics the silo does not export: {string.Join(", ", missing)}\nexported: {string.Join(" ", scrape.Names.Order(StringComparer.Ordinal))}");
    }

    [Fact]
    public async Task The_geode_counters_moved_every_series_names_its_silo_and_no_label_carries_a_prompt()
    {
        Assert.True(campaign.Status?.Phase == CampaignPhase.Succeeded, campaign.Status?.Error ?? campaign.SiloLog);
        PrometheusScrape scrape = PrometheusScrape.Parse(await campaign.ScrapeAsync());

        // 24 prompts in the baseline and again in the capture; trials add tokens and their own latencies.
        Assert.Equal(24, scrape.Sum("geode_prompts_processed_total", ("stage", "baseline")));
        Assert.Equal(24, scrape.Sum("geode_prompts_processed_total", ("stage", "capture")));
        Assert.True(scrape.Sum("geode_tokens_processed_total") > 0);
        Assert.True(scrape.Sum("geode_unit_duration_seconds_count", ("kind", "shard")) >= 12);
        Assert.True(scrape.Sum("geode_unit_duration_seconds_count", ("kind", "trial")) >= 1);
        Assert.True(scrape.Sum("geode_worker_busy_seconds_total") > 0);
        Assert.True(scrape.Sum("geode_device_memory_bytes", ("device", "cpu")) > 0);
        Assert.Equal(1, scrape.Sum("geode_campaigns_started_total"));
        Assert.Equal(1, scrape.Sum("geode_campaigns_finished_total", ("outcome", "succeeded")));
        Assert.Equal(0, scrape.Sum("geode_campaigns_running"));
        Assert.Equal(0, scrape.Sum("geode_units_in_flight"));

        PrometheusSample[] geode = [.. scrape.Samples.Where(s => s.Name.StartsWith("geode_", StringComparison.Ordinal))];
        Assert.All(geode, s => Assert.True(s.Labels.TryGetValue("silo", out string? silo) && silo.Length > 0, $"{s.Name} has no silo label"));
        Assert.All(geode, s => Assert.All(s.Labels.Keys, key => Assert.Contains(key, AllowedLabels)));
        Assert.True(scrape.Samples.Where(s => s.Name.StartsWith("orleans_", StringComparison.Ordinal)).All(s => s.Labels.ContainsKey("silo")), "Orleans' series carry the silo label too");

        // Not in Geode's series, nor in any other (Orleans', the runtime's, target_info).
        string[] values = [.. scrape.Samples.SelectMany(s => s.Labels.Values).Distinct(StringComparer.Ordinal)];
        foreach (Geode.Analysis.Prompts.PromptRecord prompt in campaign.Prompts)
        {
            Assert.DoesNotContain(values, v => v.Contains(prompt.Id, StringComparison.Ordinal) || v.Contains(prompt.Prompt, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_real_Prometheus_scrapes_the_silo_and_answers_the_throughput_and_every_dashboard_query()
    {
        Assert.True(campaign.Status?.Phase == CampaignPhase.Succeeded, campaign.Status?.Error ?? campaign.SiloLog);
        await using PrometheusServer prometheus = await PrometheusServer.StartAsync($"127.0.0.1:{campaign.MetricsPort}");
        try
        {
            // Scrapes come every second; wait for one that holds the campaign's counters.
            const string throughput = "sum by (silo) (geode_prompts_processed_total) > 0";
            JsonArray result = [];
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (result.Count == 0)
            {
                await Task.Delay(500, timeout.Token);
                JsonNode answer = await prometheus.QueryAsync(throughput);
                Assert.Equal("success", (string?)answer["status"]);
                result = answer["data"]!["result"]!.AsArray();
            }

            JsonNode series = result[0]!;
            Assert.False(string.IsNullOrEmpty((string?)series["metric"]!["silo"]));
            Assert.Equal(48, double.Parse((string)series["value"]![1]!, System.Globalization.CultureInfo.InvariantCulture));

            JsonNode up = await prometheus.QueryAsync("up{job=\"geode\"}");
            Assert.Equal("1", (string?)up["data"]!["result"]![0]!["value"]![1]);

            // Every dashboard query, with Grafana's variables filled in, is valid PromQL here.
            foreach ((string panel, string expr) in GrafanaDashboard.Expressions())
            {
                JsonNode answer = await prometheus.QueryAsync(GrafanaDashboard.AsSent(expr));
                Assert.True((string?)answer["status"] == "success", $"panel '{panel}': {expr}\n{answer.ToJsonString()}");
            }
        }
        catch
        {
            Console.Error.WriteLine(prometheus.Log);
            throw;
        }
    }
}
