using System.Text.Json.Nodes;
using Geode.Client.Tests.Campaigns;
using Geode.Tests;
using Microsoft.Playwright;

namespace Geode.Client.Tests.Reporting;

/// <summary>
/// The campaign's <c>report.html</c> in a real browser: it opens from disk with the network off,
/// draws every figure without a console error, and <c>geode report</c> rebuilds the same page.
/// </summary>
[Collection(CampaignCollection.Name)]
public sealed class ReportBrowserTests(SmallCampaign campaign)
{
    private string Report => Path.Combine(campaign.EmbeddedOut, "report.html");

    [Fact]
    public async Task The_report_opens_offline_and_draws_every_figure_without_console_errors()
    {
        Assert.True(campaign.Embedded.ExitCode == 0, campaign.Embedded.Error);
        Assert.True(File.Exists(Report), $"{Report} was not written");

        (IPlaywright playwright, IBrowser browser) = await HeadlessChromium.Launch();
        try
        {
            IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions { Offline = true, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
            IPage page = await context.NewPageAsync();
            var errors = new List<string>();
            var requests = new List<string>();
            page.Console += (_, message) =>
            {
                if (message.Type is "error" or "warning")
                {
                    errors.Add($"console {message.Type}: {message.Text}");
                }
            };
            page.PageError += (_, error) => errors.Add($"page error: {error}");
            page.Request += (_, request) =>
            {
                if (!request.Url.StartsWith("file:", StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal) && !request.Url.StartsWith("blob:", StringComparison.Ordinal))
                {
                    requests.Add(request.Url);
                }
            };

            await page.GotoAsync(new Uri(Report).AbsoluteUri);
            // The page's script sets data-rendered to the number of figures it drew once every figure was attempted.
            await page.WaitForSelectorAsync("body[data-rendered]", new PageWaitForSelectorOptions { Timeout = 120_000 });
            int drawn = int.Parse(await page.GetAttributeAsync("body", "data-rendered") ?? "-1", System.Globalization.CultureInfo.InvariantCulture);

            string screenshot = Path.Combine(RepositoryPaths.Root, "artifacts", "test-results", "report-small-campaign.png");
            Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });

            Assert.Empty(errors);
            Assert.Empty(requests);

            // Every chart in the embedded data was drawn, and every figure on the page has content.
            string data = await page.InnerTextAsync("#geode-report-data");
            int charts = JsonNode.Parse(data)!["figures"]!.AsArray().Count;
            Assert.Equal(charts, drawn);
            IReadOnlyList<IElementHandle> figures = await page.QuerySelectorAllAsync("figure.figure");
            Assert.True(figures.Count >= 12, $"only {figures.Count} figures");
            foreach (IElementHandle figure in figures)
            {
                string id = await figure.GetAttributeAsync("data-figure") ?? "?";
                IElementHandle body = (await figure.QuerySelectorAsync(".figure-body"))!;
                string classes = await body.GetAttributeAsync("class") ?? string.Empty;
                Assert.DoesNotContain("failed", classes, StringComparison.Ordinal);
                if (classes.Contains("chart", StringComparison.Ordinal))
                {
                    // A drawn Plotly chart holds an SVG with at least one trace in it, and has a size.
                    int traces = await body.EvalOnSelectorAllAsync<int>(".main-svg .trace, .main-svg .hm, .main-svg image", "e => e.length");
                    Assert.True(traces > 0, $"figure {id} has no drawn trace");
                    ElementHandleBoundingBoxResult? box = await body.BoundingBoxAsync();
                    Assert.True(box is { Width: > 100, Height: > 100 }, $"figure {id} has no size");
                }
                else
                {
                    Assert.True((await body.InnerTextAsync()).Trim().Length > 0, $"table {id} is empty");
                }

                string caption = await figure.EvalOnSelectorAsync<string>("figcaption", "e => e.textContent");
                Assert.True(caption.Length > 40, $"figure {id} has no caption");
            }

            // The figures DESIGN asks for, on a campaign that ran every stage but diff.
            string[] ids = [.. await Task.WhenAll(figures.Select(async f => await f.GetAttributeAsync("data-figure") ?? ""))];
            Assert.Superset(
                new HashSet<string> { "baseline-refusal", "refusal-heatmap", "cohen-d", "category-cosines", "map-pca", "map-umap", "alpha-sweep", "layer-subsets", "cascade-gates", "cascade-prompts", "descent", "selective-front", "provenance" },
                ids.ToHashSet());
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    [Fact]
    public async Task Geode_report_rebuilds_the_same_page_from_results_and_artifacts()
    {
        Assert.True(campaign.Embedded.ExitCode == 0, campaign.Embedded.Error);
        using var folder = new TempFolder();
        string rebuilt = folder.File("rebuilt.html");
        CliResult result = await CliRunner.RunAsync("report", campaign.EmbeddedOut, "--out", rebuilt);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains(rebuilt, result.Output, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllTextAsync(Report), await File.ReadAllTextAsync(rebuilt));
    }

    [Fact]
    public async Task Geode_report_names_the_file_when_results_are_missing_or_malformed()
    {
        using var folder = new TempFolder();
        CliResult missing = await CliRunner.RunAsync("report", folder.Path);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains(Path.Combine(folder.Path, "results.json"), missing.Error, StringComparison.Ordinal);

        await File.WriteAllTextAsync(folder.File("results.json"), "{\"campaign\": {\"name\": \"x\"}");
        CliResult truncated = await CliRunner.RunAsync("report", folder.Path);
        Assert.Equal(2, truncated.ExitCode);
        Assert.Contains("results.json: not valid JSON", truncated.Error, StringComparison.Ordinal);

        await File.WriteAllTextAsync(folder.File("results.json"), "{\"campaign\": {\"name\": \"x\"}, \"sweeps\": [{\"recipe\": 3}]}");
        CliResult malformed = await CliRunner.RunAsync("report", folder.Path);
        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains("results.json: a stage block", malformed.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("report.html")));
    }
}
