using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Geode.Campaigns.Reporting;
using Geode.Model.Files;

namespace Geode.Campaigns.Execution;

/// <summary>
/// The console summary of a campaign (<c>summary.md</c>): the baseline per category, the geometry
/// peak, the best sweep rows beside their random controls, the cascade gates, the descent curve
/// and the selective front — a page a researcher reads before opening results.json.
/// </summary>
public sealed class MarkdownSummary : ICampaignReport
{
    /// <summary>The file name in the output folder.</summary>
    public const string FileName = "summary.md";

    /// <inheritdoc />
    public string Write(JsonObject results, string outDir)
    {
        string path = Path.Combine(outDir, FileName);
        AtomicFile.WriteAllText(path, Render(results));
        return path;
    }

    /// <summary>The Markdown text.</summary>
    public static string Render(JsonObject results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Campaign {results["campaign"]?["name"]}");
        md.AppendLine();
        if (results["baseline"] is JsonObject baseline)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"## Baseline ({baseline["judge"]}, {baseline["max_new_tokens"]} new tokens)");
            md.AppendLine();
            md.AppendLine("| category | refused | rate | 95% CI |");
            md.AppendLine("|---|---:|---:|---|");
            foreach ((string category, JsonNode? c) in (JsonObject)baseline["categories"]!)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {category} | {c!["refused"]}/{c["n"]} | {Percent(c["rate"])} | [{Percent(c["ci"]![0])}, {Percent(c["ci"]![1])}] |");
            }

            md.AppendLine();
            FailedPrompts(md, baseline);
        }

        if (results["geometry"] is JsonObject geometry)
        {
            int peak = (int)geometry["peak_layer"]!;
            JsonNode layer = geometry["layers"]![peak]!;
            double worstRandom = ((JsonArray)geometry["random_cohen_d"]!).Select(d => (double?)d ?? 0).DefaultIfEmpty(0).Max();
            md.AppendLine(CultureInfo.InvariantCulture, $"## Geometry\n\nPeak stream {peak}: Cohen's d {Fixed(layer["cohen_d"])} (largest |d| of a random direction: {worstRandom:F2}); band top-component share {Fixed(geometry["band_top_component_share"])}.");
            md.AppendLine();
        }

        if (results["sweeps"] is JsonArray sweeps)
        {
            md.AppendLine("## Sweeps (refusal of the refuse class; lowest first)");
            md.AppendLine();
            md.AppendLine("| recipe | layers | α | refused | KL |");
            md.AppendLine("|---|---|---:|---:|---:|");
            foreach (JsonNode? row in sweeps.OrderBy(r => RefusalShare.Of(r!["refusal"]!)).Take(12))
            {
                string recipe = row!["control"] is null ? (string)row["recipe"]! : $"random #{row["control"]}";
                md.AppendLine(CultureInfo.InvariantCulture, $"| {recipe} | {row["layers"]} | {row["alpha"]} | {Percent(RefusalShare.Of(row["refusal"]!))} | {Fixed(row["kl"])} |");
            }

            md.AppendLine();
        }

        if (results["cascade"] is JsonObject cascade)
        {
            md.AppendLine("## Cascade");
            md.AppendLine();
            md.AppendLine("| step | change | gate | smoke refusal | confirmed refusal | KL |");
            md.AppendLine("|---|---|---|---:|---:|---:|");
            foreach (JsonNode? row in (JsonArray)cascade["rows"]!)
            {
                string change = row!["ingredient"] is null ? "start" : $"{row["ingredient"]}={row["value"]}";
                string gate = (bool)row["gate_passed"]! ? "pass" : "fail";
                md.AppendLine(CultureInfo.InvariantCulture, $"| {row["name"]} | {change} | {gate} | {Percent(row["smoke"]!["refusal"])} | {Percent(row["confirm"]?["refusal"])} | {Fixed(row["confirm"]?["kl"] ?? row["smoke"]!["kl"])} |");
            }

            md.AppendLine();
        }

        if (results["descent"] is JsonObject descent)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"## Descent ({descent["strategy"]}, stopped: {descent["stop_reason"]})");
            md.AppendLine();
            md.AppendLine("| rank | refusal | KL |");
            md.AppendLine("|---:|---:|---:|");
            foreach (JsonNode? point in (JsonArray)descent["points"]!)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {point!["rank"]} | {Percent(point["refusal"])} | {Fixed(point["kl"])} |");
            }

            md.AppendLine();
        }

        if (results["selective"] is JsonObject selective)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"## Selective (cos(free, keep) = {Fixed(selective["cosine_free_keep"])})");
            md.AppendLine();
            md.AppendLine("| α | freed refusal | kept refusal | KL | on front |");
            md.AppendLine("|---:|---:|---:|---:|---|");
            foreach (JsonNode? point in (JsonArray)selective["points"]!)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {point!["alpha"]} | {Percent(point["freed_refusal"])} | {Percent(point["kept_refusal"])} | {Fixed(point["kl"])} | {((bool)point["on_front"]! ? "yes" : "")} |");
            }

            md.AppendLine();
        }

        LaterFailedPrompts(md, results);
        return md.ToString();
    }

    /// <summary>The prompts stages after the baseline left out (results.json's top-level <c>failed_prompts</c>), when there are any.</summary>
    private static void LaterFailedPrompts(StringBuilder md, JsonObject results)
    {
        JsonNode?[] later = results["failed_prompts"] is JsonArray all ? [.. all.Where(p => (string?)p?["stage"] != "baseline")] : [];
        if (later.Length == 0)
        {
            return;
        }

        md.AppendLine("## Prompts that failed");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"**{later.Length} prompt(s) failed** after the baseline (the model worker threw on each alone); each stage's numbers are over the other prompts:");
        md.AppendLine();
        md.AppendLine("| stage | # | id | cause |");
        md.AppendLine("|---|---:|---|---|");
        foreach (JsonNode? prompt in later)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {prompt!["stage"]} | {prompt["index"]} | {prompt["id"]} | {Cell((string?)prompt["cause"])} |");
        }

        md.AppendLine();
    }

    /// <summary>The prompts a stage left out because a worker threw on them alone, when there are any.</summary>
    private static void FailedPrompts(StringBuilder md, JsonObject stage)
    {
        if (stage["failed_prompts"] is not JsonArray { Count: > 0 } failed)
        {
            return;
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"**{failed.Count} prompt(s) failed** (the model worker threw on each alone) and are left out of the rates above:");
        md.AppendLine();
        md.AppendLine("| # | id | cause |");
        md.AppendLine("|---:|---|---|");
        foreach (JsonNode? prompt in failed)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {prompt!["index"]} | {prompt["id"]} | {Cell((string?)prompt["cause"])} |");
        }

        md.AppendLine();
    }

    /// <summary>Text for one table cell: on one line, with its pipes escaped.</summary>
    private static string Cell(string? text) => (text ?? string.Empty).ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);

    private static string Percent(JsonNode? value) => value is null ? "–" : Percent((double)value);

    private static string Percent(double value) => double.IsFinite(value) ? (value * 100).ToString("F0", CultureInfo.InvariantCulture) + "%" : "–";

    private static string Fixed(JsonNode? value) => value is null ? "–" : ((double)value).ToString("F3", CultureInfo.InvariantCulture);
}
