using System.Globalization;
using System.Text.Json.Nodes;
using Geode.Analysis.Evaluation;
using Geode.Campaigns.Artifacts;

namespace Geode.Campaigns.Reporting;

/// <summary>
/// What every figure builder reads: results.json, the output folder its artifacts live in, and
/// the facts each caption repeats (judge, generation length, how many prompts).
/// </summary>
public sealed class ReportContext
{
    private static readonly string[] Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    private readonly Dictionary<string, string> _colors = new(StringComparer.Ordinal);

    /// <summary>Reads what the captions need from <paramref name="results"/>.</summary>
    public ReportContext(JsonObject results, string outDir)
    {
        ArgumentNullException.ThrowIfNull(results);
        Results = results;
        OutDir = outDir;
        JsonNode? provenance = results["provenance"];
        Judge = (string?)results["baseline"]?["judge"]
            ?? (provenance?["judges"] is JsonArray { Count: > 0 } judges ? $"{judges[0]!["name"]} {judges[0]!["version"]}" : "unknown");
        MaxNewTokens = (int?)provenance?["generation"]?["max_new_tokens"] ?? 0;
        Attention = provenance?["model"]?["attention"] is JsonArray attention ? [.. attention.Select(a => (string?)a ?? "")] : null;
        foreach (string category in CategoryOrder(results))
        {
            Color(category);
        }
    }

    /// <summary>results.json.</summary>
    public JsonObject Results { get; }

    /// <summary>The folder results.json and its artifacts are in.</summary>
    public string OutDir { get; }

    /// <summary>The primary judge and its version: every refusal figure counts its verdicts.</summary>
    public string Judge { get; }

    /// <summary>The generation length every response was cut at.</summary>
    public int MaxNewTokens { get; }

    /// <summary>Per decoder layer, "full" or "sliding"; null when results.json predates the field.</summary>
    public IReadOnlyList<string>? Attention { get; }

    /// <summary>The caption's standard ending: how many prompts, which judge, how many tokens.</summary>
    public string Measured(int prompts) =>
        string.Create(CultureInfo.InvariantCulture, $"{prompts} prompts, judge {Judge}, greedy generation of up to {MaxNewTokens} new tokens.");

    /// <summary>One colour per category, the same in every figure.</summary>
    public string Color(string category)
    {
        if (!_colors.TryGetValue(category, out string? color))
        {
            color = Palette[_colors.Count % Palette.Length];
            _colors[category] = color;
        }

        return color;
    }

    /// <summary>The per-prompt records of <c>records/NAME.msgpack</c>, or an empty list when the file is absent.</summary>
    public IReadOnlyList<(ResponseRecord Record, string? Variant)> Records(string name)
    {
        string path = Path.Combine(OutDir, "records", $"{name}.msgpack");
        return File.Exists(path) ? ResponseRecordStream.Read(path) : [];
    }

    /// <summary>Categories in the order the baseline lists them (the benchmark's order), then any others.</summary>
    private static IEnumerable<string> CategoryOrder(JsonObject results) =>
        results["baseline"]?["categories"] is JsonObject categories ? categories.Select(c => c.Key) : [];
}
