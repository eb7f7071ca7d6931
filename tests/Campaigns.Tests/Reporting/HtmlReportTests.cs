using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Geode.Campaigns.Reporting;
using Geode.Model;
using Geode.Tests;

namespace Geode.Campaigns.Tests.Reporting;

/// <summary>The HTML report's figures from results.json: which appear, what they plot, and a page that needs no network.</summary>
public sealed partial class HtmlReportTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private IReadOnlyList<ReportFigure> Figures(JsonObject results) => HtmlReport.Figures(new ReportContext(results, _folder.Path));

    [Fact]
    public void Every_stage_block_gives_its_figures_and_a_missing_block_gives_none()
    {
        string[] ids = [.. Figures(SyntheticResults.Full()).Select(f => f.Id)];
        Assert.Equal(
            ["baseline-refusal", "refusal-heatmap", "cohen-d", "category-cosines", "alpha-sweep", "layer-subsets", "cascade-gates", "descent", "selective-front", "provenance"],
            ids);

        JsonObject baselineOnly = SyntheticResults.Full();
        foreach (string stage in new[] { "geometry", "sweeps", "cascade", "descent", "selective", "capture" })
        {
            baselineOnly.Remove(stage);
        }

        // One variant (the baseline) is no heatmap.
        Assert.Equal(["baseline-refusal", "provenance"], Figures(baselineOnly).Select(f => f.Id));
    }

    [Fact]
    public void The_heatmap_cells_are_each_variants_refusal_rate_in_percent()
    {
        JsonObject results = SyntheticResults.Full();
        JsonObject spec = Figures(results).Single(f => f.Id == "refusal-heatmap").Spec!;
        JsonObject trace = spec["data"]![0]!.AsObject();
        string[] rows = [.. trace["y"]!.AsArray().Select(y => (string)y!)];
        Assert.Equal(SyntheticResults.Categories, rows);

        // Columns: baseline, 5 sweep rows, 1 cascade row, 2 descent ranks, 2 selective points.
        JsonArray names = trace["customdata"]![0]!.AsArray();
        Assert.Equal(11, names.Count);
        Assert.Equal("baseline", (string?)names[0]);
        Assert.Equal("random #0 · all · α 1", (string?)names[4]);
        int sweepColumn = 1;
        foreach (JsonNode? row in results["sweeps"]!.AsArray())
        {
            for (int r = 0; r < rows.Length; r++)
            {
                double expected = 100 * (double)row!["refusal"]![rows[r]]!["rate"]!;
                Assert.Equal(expected, (double)trace["z"]![r]![sweepColumn]!, 6);
            }

            sweepColumn++;
        }

        // The cascade column is the confirmation round, not the smoke round.
        Assert.Equal(90.0, (double)trace["z"]![0]![6]!, 6);
    }

    [Fact]
    public void The_random_band_spans_the_controls_and_global_layers_are_marked()
    {
        JsonObject results = SyntheticResults.Full();
        JsonObject sweep = Figures(results).Single(f => f.Id == "alpha-sweep").Spec!;
        JsonObject range = sweep["data"]!.AsArray().Select(t => t!.AsObject()).Single(t => ((string?)t["name"] ?? "").StartsWith("random directions", StringComparison.Ordinal));
        // Controls: α 0.5 → 90%, α 1 → 100% (one control each, so the range is a point).
        Assert.Equal([0.5, 1.0], range["x"]!.AsArray().Select(x => (double)x!));
        Assert.Equal([90.0, 100.0], range["y"]!.AsArray().Select(y => (double)y!));

        JsonObject d = Figures(results).Single(f => f.Id == "cohen-d").Spec!;
        // Layer 1 is the full-attention layer, so stream 2 (after it) is the one marked.
        Assert.Equal(["circle", "circle", "diamond", "circle"], d["data"]![0]!["marker"]!["symbol"]!.AsArray().Select(s => (string)s!));
        Assert.Equal(1.25, (double)d["layout"]!["shapes"]![0]!["y1"]!, 6);
    }

    [Fact]
    public void Every_caption_names_the_judge_and_generation_length_where_responses_were_judged()
    {
        foreach (ReportFigure figure in Figures(SyntheticResults.Full()).Where(f => f.Id is not ("cohen-d" or "category-cosines" or "provenance")))
        {
            Assert.Contains("judge regex 1", figure.Caption, StringComparison.Ordinal);
            Assert.Contains("77 new tokens", figure.Caption, StringComparison.Ordinal);
            Assert.Matches(@"\d+ prompts", figure.Caption);
        }
    }

    [Fact]
    public void The_page_inlines_everything_and_text_from_results_cannot_end_a_script()
    {
        JsonObject results = SyntheticResults.Full("</script><script>alert(1)</script>");
        results["baseline"]!["categories"]!.AsObject().Add("</script><b>x", new JsonObject { ["n"] = 1, ["refused"] = 0, ["rate"] = 0, ["ci"] = new JsonArray(0, 0) });
        string page = HtmlReport.Render(results, _folder.Path);

        // No element outside the inlined scripts loads anything (the browser test watches the requests too).
        string markup = Regex.Replace(page, "<script[^>]*>.*?</script>", string.Empty, RegexOptions.Singleline | RegexOptions.IgnoreCase);
        Assert.DoesNotMatch(ExternalReference(), markup);
        Assert.Contains("Plotly", page, StringComparison.Ordinal);
        // Exactly the three script elements the page opens end it: data, Plotly, the page's own.
        Assert.Equal(3, Regex.Matches(page, "</script", RegexOptions.IgnoreCase).Count);
        Assert.DoesNotContain("<script>alert", page, StringComparison.Ordinal);

        string data = Regex.Match(page, "<script id=\"geode-report-data\" type=\"application/json\">(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
        JsonArray figures = JsonNode.Parse(data)!["figures"]!.AsArray();
        Assert.Equal(Figures(results).Count(f => f.Spec is not null), figures.Count);
    }

    [Fact]
    public void Write_replaces_the_report_whole()
    {
        string path = new HtmlReport().Write(SyntheticResults.Full(), _folder.Path);
        Assert.Equal(Path.Combine(_folder.Path, HtmlReport.FileName), path);
        Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void A_diff_stage_gives_one_spectrum_chart_per_fork_with_the_largest_changes_first()
    {
        var tensors = new JsonArray(
            new JsonObject { ["name"] = "model.layers.0.mlp.down_proj.weight", ["changed"] = true, ["delta_norm"] = 2.0, ["spectrum"] = new JsonArray(2.0, 1e-6) },
            new JsonObject { ["name"] = "model.layers.1.self_attn.o_proj.weight", ["changed"] = true, ["delta_norm"] = 5.0, ["spectrum"] = new JsonArray(5.0, 0.5, 0.1) },
            new JsonObject { ["name"] = "model.norm.weight", ["changed"] = true, ["delta_norm"] = 0.1, ["spectrum"] = new JsonArray() },
            new JsonObject { ["name"] = "model.embed_tokens.weight", ["changed"] = false, ["spectrum"] = new JsonArray() });
        File.WriteAllText(_folder.File("diff-0.json"), tensors.ToJsonString());
        JsonObject results = SyntheticResults.Full();
        results["diff"] = new JsonArray(
            new JsonObject { ["fork"] = "/forks/abliterated", ["diff_json"] = "diff-0.json", ["changed"] = new JsonArray(), ["unchanged"] = 1 },
            new JsonObject { ["fork"] = "/forks/gone", ["diff_json"] = "diff-1.json", ["changed"] = new JsonArray(), ["unchanged"] = 0 });

        ReportFigure spectra = Assert.Single(Figures(results), f => f.Id.StartsWith("diff-spectra", StringComparison.Ordinal));
        JsonArray traces = spectra.Spec!["data"]!.AsArray();
        // Matrices with a spectrum, largest ‖ΔW‖ first; the norm vector has none; the missing fork's file gives no chart.
        Assert.Equal(["model.layers.1.self_attn.o_proj.weight", "model.layers.0.mlp.down_proj.weight"], traces.Select(t => (string)t!["name"]!));
        Assert.Equal([5.0, 0.5, 0.1], traces[0]!["y"]!.AsArray().Select(v => (double)v!));
        Assert.Equal("log", (string?)spectra.Spec["layout"]!["yaxis"]!["type"]);
        Assert.Contains("2 largest of the 3 changed matrices of /forks/abliterated", spectra.Caption, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../secret.json")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/diff-0.json")]
    [InlineData("..")]
    [InlineData("")]
    public void A_diff_json_that_is_not_a_file_name_in_the_output_folder_is_not_read(string name)
    {
        // A valid diff JSON beside the output folder: were it read, its spectrum would be drawn.
        string outDir = _folder.File("out");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(_folder.File("secret.json"), new JsonArray(new JsonObject { ["name"] = "w", ["changed"] = true, ["delta_norm"] = 1.0, ["spectrum"] = new JsonArray(1.0) }).ToJsonString());
        File.Copy(_folder.File("secret.json"), Path.Combine(outDir, "diff-0.json"));
        JsonObject results = SyntheticResults.Full();
        results["diff"] = new JsonArray(new JsonObject { ["fork"] = "/forks/f", ["diff_json"] = name, ["changed"] = new JsonArray(), ["unchanged"] = 0 });

        ReportFigure diff = Assert.Single(HtmlReport.Figures(new ReportContext(results, outDir)), f => f.Section == "Weight diff");

        Assert.Equal("diff-missing-0", diff.Id);
        Assert.Null(diff.Spec);
        Assert.Contains($"diff_json \"{name}\" is not a file name in the output folder, so it was not read", diff.Caption, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[{\"name\": \"w\", \"spectrum\": [1.0]", "not valid JSON")]
    [InlineData("{\"name\": \"w\"}", "expected a JSON array with one object per tensor")]
    [InlineData("[{\"name\": 3, \"spectrum\": [1.0]}]", "a tensor entry is missing a field or has one of the wrong type")]
    [InlineData("[{\"name\": \"w\", \"name\": \"v\"}]", "not valid JSON")]
    public void A_malformed_diff_json_is_bad_input_naming_it(string json, string expected)
    {
        File.WriteAllText(_folder.File("diff-0.json"), json);
        JsonObject results = SyntheticResults.Full();
        results["diff"] = new JsonArray(new JsonObject { ["fork"] = "/forks/f", ["diff_json"] = "diff-0.json", ["changed"] = new JsonArray(), ["unchanged"] = 0 });

        BadInputException error = Assert.Throws<BadInputException>(() => Figures(results));

        Assert.StartsWith(_folder.File("diff-0.json") + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_page_streamed_to_a_writer_is_the_page_and_escapes_every_closing_script_tag_in_the_scripts()
    {
        JsonObject results = SyntheticResults.Full();
        using var writer = new StringWriter();
        HtmlReport.Render(results, _folder.Path, writer);
        string page = writer.ToString();

        Assert.Equal(HtmlReport.Render(results, _folder.Path), page);
        Assert.EndsWith("</script></body></html>\n", page, StringComparison.Ordinal);

        // Plotly's own text, chunk boundaries and all, is inlined whole, with only its closing tags escaped.
        using StreamReader plotly = ReportAssets.Open(ReportAssets.PlotlyResource);
        string expected = Regex.Replace(plotly.ReadToEnd(), "</(script)", "<\\/$1", RegexOptions.IgnoreCase);
        Assert.Contains("<script>" + expected + "</script>", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(65_536)]
    public void A_closing_script_tag_in_an_inlined_script_is_escaped_even_across_chunks(int chunk)
    {
        const string Script = "a</script>b</SCRIPT x</scrip</ScRiPt</script</script><</</scriptz</scrip";
        using var page = new StringWriter();

        HtmlReport.CopyScript(new StringReader(Script), page, chunk);

        Assert.Equal(Regex.Replace(Script, "</(script)", "<\\/$1", RegexOptions.IgnoreCase), page.ToString());
        Assert.DoesNotContain("</script", page.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex("(src|href)\\s*=\\s*[\"']?(https?:)?//|<link\\b|@import", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();
}
