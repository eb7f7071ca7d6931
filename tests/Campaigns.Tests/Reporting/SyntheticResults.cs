using System.Text.Json.Nodes;

namespace Geode.Campaigns.Tests.Reporting;

/// <summary>A results.json with every stage block, small enough to check figure by figure.</summary>
internal static class SyntheticResults
{
    public static readonly string[] Categories = ["should_refuse", "safe_control", "emergency_medical"];

    /// <summary>Per category: refused out of 10, with an interval around it.</summary>
    public static JsonObject Refusal(params int[] refused) => new(Categories.Select((c, i) => new KeyValuePair<string, JsonNode?>(c, new JsonObject
    {
        ["n"] = 10,
        ["refused"] = refused[i],
        ["rate"] = refused[i] / 10.0,
        ["ci"] = new JsonArray(Math.Max(0, refused[i] - 2) / 10.0, Math.Min(10, refused[i] + 2) / 10.0),
    })));

    public static JsonObject Full(string name = "synthetic") => new()
    {
        ["campaign"] = new JsonObject { ["id"] = "synthetic-1", ["name"] = name, ["file"] = "/x/synthetic.yaml", ["stages"] = new JsonArray("baseline", "geometry", "sweeps", "cascade", "descent", "selective") },
        ["provenance"] = new JsonObject
        {
            ["model"] = new JsonObject { ["folder"] = "/models/m", ["sha256"] = "ab", ["dtype"] = "float32", ["device"] = "cpu", ["attention"] = new JsonArray("sliding", "full", "sliding") },
            ["prompts"] = new JsonObject { ["source"] = "test", ["sha256"] = "cd", ["count"] = 30 },
            ["judges"] = new JsonArray(new JsonObject { ["name"] = "regex", ["version"] = "1" }),
            ["seed"] = 0,
            ["generation"] = new JsonObject { ["max_new_tokens"] = 77, ["batch"] = 4, ["decoding"] = "greedy" },
            ["code_version"] = "test",
        },
        ["baseline"] = new JsonObject { ["judge"] = "regex 1", ["max_new_tokens"] = 77, ["prompts"] = 30, ["categories"] = Refusal(10, 1, 4) },
        ["capture"] = new JsonObject { ["prompts"] = 30 },
        ["geometry"] = new JsonObject
        {
            ["layers"] = new JsonArray(
                new JsonObject { ["layer"] = 0, ["cohen_d"] = null, ["delta_norm"] = 0 },
                new JsonObject { ["layer"] = 1, ["cohen_d"] = 1.5, ["delta_norm"] = 1 },
                new JsonObject { ["layer"] = 2, ["cohen_d"] = 3.0, ["delta_norm"] = 2 },
                new JsonObject { ["layer"] = 3, ["cohen_d"] = 2.0, ["delta_norm"] = 2 }),
            ["peak_layer"] = 2,
            ["band_top_component_share"] = 0.9,
            ["random_cohen_d"] = new JsonArray(0.5, -1.25),
            ["categories"] = new JsonObject
            {
                ["names"] = new JsonArray("emergency_medical", "should_refuse"),
                ["cosines"] = new JsonArray(new JsonArray(1.0, 0.25), new JsonArray(0.25, 1.0)),
                ["cosine_with_global"] = new JsonArray(0.3, 0.9),
            },
        },
        ["sweeps"] = new JsonArray(
            Sweep("diff-of-means", "all", 1.0, null, 0),
            Sweep("diff-of-means", "all", 0.5, null, 5),
            Sweep("diff-of-means", "global", 1.0, null, 8),
            Sweep("diff-of-means", "all", 1.0, 0, 10),
            Sweep("diff-of-means", "all", 0.5, 0, 9)),
        ["cascade"] = new JsonObject
        {
            ["smoke_per_category"] = 2,
            ["confirm_per_category"] = "all",
            ["gate"] = "no higher than before",
            ["rows"] = new JsonArray(new JsonObject
            {
                ["row"] = 0, ["name"] = "start", ["ingredient"] = null, ["value"] = null, ["settings"] = "float32 raw", ["gate_passed"] = true,
                ["smoke"] = new JsonObject { ["refusal"] = 1.0, ["kl"] = 0.01, ["cohen_d"] = 2.0, ["prompts"] = 6, ["categories"] = Refusal(10, 0, 3) },
                ["confirm"] = new JsonObject { ["refusal"] = 0.9, ["kl"] = 0.02, ["cohen_d"] = 2.0, ["prompts"] = 30, ["categories"] = Refusal(9, 0, 3) },
            }),
        },
        ["descent"] = new JsonObject
        {
            ["strategy"] = "peel", ["stream"] = 2, ["stop_reason"] = "target",
            ["points"] = new JsonArray(
                new JsonObject { ["rank"] = 0, ["refusal"] = 1.0, ["kl"] = 0, ["singular_value"] = null, ["categories"] = Refusal(10, 1, 4) },
                new JsonObject { ["rank"] = 1, ["refusal"] = 0.0, ["kl"] = 0.3, ["singular_value"] = 5.0, ["categories"] = Refusal(0, 0, 0) }),
        },
        ["selective"] = new JsonObject
        {
            ["free"] = new JsonArray("emergency_medical"), ["keep"] = new JsonArray("should_refuse"), ["cosine_free_keep"] = 0.4, ["layer"] = 2, ["kl_budget"] = 1,
            ["points"] = new JsonArray(
                new JsonObject { ["alpha"] = 0, ["freed_refusal"] = 0.4, ["kept_refusal"] = 1.0, ["kl"] = 0, ["within_kl_budget"] = true, ["on_front"] = true, ["categories"] = Refusal(10, 1, 4) },
                new JsonObject { ["alpha"] = 1, ["freed_refusal"] = 0.1, ["kept_refusal"] = 0.9, ["kl"] = 2, ["within_kl_budget"] = false, ["on_front"] = true, ["categories"] = Refusal(9, 0, 1) }),
        },
        ["timings"] = new JsonObject { ["baseline"] = 1.5 },
    };

    private static JsonObject Sweep(string recipe, string layers, double alpha, int? control, int shouldRefuse) => new()
    {
        ["recipe"] = recipe, ["layers"] = layers, ["alpha"] = alpha, ["control"] = control,
        ["refusal"] = Refusal(shouldRefuse, 0, 2), ["kl"] = 0.1,
        ["mcnemar"] = new JsonObject { ["b"] = 0, ["c"] = 0, ["statistic"] = 0, ["p"] = 1 },
    };
}
