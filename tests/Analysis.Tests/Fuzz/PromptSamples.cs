using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Geode.Tests;

namespace Geode.Analysis.Tests.Fuzz;

/// <summary>
/// Valid prompt files for the fuzz to mutate, made from the shipped benchmark: two records of each
/// category (variants, escapes and punctuation included) as JSON, JSONL and CSV, and the whole
/// benchmark as JSON.
/// </summary>
internal static class PromptSamples
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The benchmark file as shipped.</summary>
    public static string Benchmark { get; } = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "benchmarks", "geode-refusal-v1.json"));

    /// <summary>Two records of each category.</summary>
    public static JsonObject[] Records { get; } =
        [.. JsonNode.Parse(Benchmark)!["prompts"]!.AsArray()
            .Select(r => r!.AsObject())
            .GroupBy(r => (string)r["category"]!)
            .SelectMany(g => g.Take(2))
            .Select(r => (JsonObject)r.DeepClone())];

    public static string Json => new JsonObject { ["prompts"] = new JsonArray([.. Records.Select(r => r.DeepClone())]) }.ToJsonString(new JsonSerializerOptions(Relaxed) { WriteIndented = true });

    public static string Jsonl => string.Join("\n", Records.Select(r => r.ToJsonString(Relaxed))) + "\n";

    public static string Csv
    {
        get
        {
            var csv = new StringBuilder("id,category,expected,prompt,variants\r\n");
            foreach (JsonObject record in Records)
            {
                string variants = record["variants"] is JsonArray items ? string.Join(" | ", items.Select(v => (string)v!)) : string.Empty;
                string[] fields = [(string)record["id"]!, (string)record["category"]!, (string)record["expected"]!, (string)record["prompt"]!, variants];
                csv.Append(string.Join(",", fields.Select(Quote))).Append("\r\n");
            }

            return csv.ToString();
        }
    }

    /// <summary>RFC 4180 quoting: only fields with a comma, quote or line break, inner quotes doubled.</summary>
    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
