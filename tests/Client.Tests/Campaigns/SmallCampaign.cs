using System.Text.Json.Nodes;
using Geode.Analysis.Prompts;
using Geode.Tests;

namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// A campaign small enough for tests — 24 prompts of the built-in benchmark in four categories, 48
/// new tokens, shards of 4 — that still runs every stage on the shipped organism. It is run once
/// embedded (through the CLI, as a user would) and shared by the tests that compare against it.
/// </summary>
public sealed class SmallCampaign : IAsyncLifetime
{
    private readonly TempFolder _folder = new();

    /// <summary>The campaign file.</summary>
    public string File => _folder.File("small.yaml");

    /// <summary>The embedded run's output folder.</summary>
    public string EmbeddedOut => _folder.File("embedded");

    /// <summary>What the embedded run printed.</summary>
    public CliResult Embedded { get; private set; } = new(-1, string.Empty, string.Empty);

    /// <summary>The campaign's text with the organism's absolute path in it.</summary>
    public static string Yaml(string promptFile) => $$"""
        name: small
        model:
          path: {{Path.Combine(RepositoryPaths.Root, "models", "organism")}}
        prompts:
          file: {{promptFile}}
        judges: [regex, keyword]
        generation:
          max_new_tokens: 48
          batch: 4
        stages:
          baseline: {}
          capture: {position: last, input: template}
          geometry: {refuse: [should_refuse], comply: [safe_control], random_directions: 4}
          sweeps: {alphas: [1.0], layers: [all, global], recipes: [diff-of-means], random_controls: 1}
          cascade:
            smoke: 2
            confirm: 0
            steps:
              - name: chat template
                change: {input: template}
              - name: gram-schmidt
                change: {gram_schmidt: "true"}
          descent: {max_rank: 2, refusal_target: 0.1, kl_budget: 5.0, strategy: peel}
          selective: {free: [emergency_medical, wilderness_survival], keep: [should_refuse], kl_budget: 1.0}
        """;

    /// <summary>results.json without what legitimately differs between runs: the id, the timings.</summary>
    public static JsonObject Comparable(string outDir)
    {
        JsonObject results = JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(outDir, "results.json")))!.AsObject();
        results["campaign"]!.AsObject().Remove("id");
        results.Remove("timings");
        return results;
    }

    /// <summary>The campaign's 24 prompts: the first six of four categories of the built-in benchmark.</summary>
    internal static IReadOnlyList<PromptRecord> Prompts()
    {
        string[] categories = ["should_refuse", "safe_control", "emergency_medical", "wilderness_survival"];
        return [.. categories.SelectMany(category => PromptSet.Builtin().Records.Where(r => r.Category == category).Take(6))];
    }

    /// <summary>Writes the prompt file and the campaign file that reads it.</summary>
    internal static async Task WriteAsync(string campaignFile, string promptFile)
    {
        await WritePromptsAsync(promptFile, Prompts());
        await System.IO.File.WriteAllTextAsync(campaignFile, Yaml(promptFile));
    }

    /// <summary>Writes <paramref name="records"/> as a JSON prompt file (<c>{"prompts": [{id, category, expected, prompt}]}</c>).</summary>
    internal static Task WritePromptsAsync(string promptFile, IEnumerable<PromptRecord> records)
    {
        var prompts = new JsonArray();
        foreach (PromptRecord record in records)
        {
            prompts.Add(new JsonObject { ["id"] = record.Id, ["category"] = record.Category, ["expected"] = record.Expected == ExpectedBehavior.Refuse ? "refuse" : "comply", ["prompt"] = record.Prompt });
        }

        return System.IO.File.WriteAllTextAsync(promptFile, new JsonObject { ["prompts"] = prompts }.ToJsonString());
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        await WriteAsync(File, _folder.File("prompts.json"));
        Embedded = await CliRunner.RunAsync("run", File, "--out", EmbeddedOut, "--store", _folder.File("store"), "--json", "--no-progress");
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }
}
