using System.Text;
using System.Text.Json.Nodes;
using Geode.Analysis.Prompts;
using Geode.Campaigns.Execution;
using Geode.Tests;
using Geode.Tests.Fuzz;
using Xunit.Abstractions;

namespace Geode.Campaigns.Tests.Fuzz;

/// <summary>
/// Hostile prompt manifests (<c>prompts.jsonl</c> in a campaign's output folder, issue 9), as
/// <c>geode report</c> reads them to label activation maps: mutations of a manifest that
/// <see cref="PromptManifest.Write(string, Geode.Analysis.Prompts.PromptSet)"/> wrote, each read with <see cref="PromptManifest.Read"/>.
/// Every case must read (every id, category and prompt present) or be refused with a
/// <see cref="Geode.Model.BadInputException"/> naming the file, within the fuzz bounds of
/// <see cref="FuzzRunner"/>.
/// </summary>
public sealed class PromptManifestFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 4_096;
    private const int Cases = 1_500;

    private static readonly string[] Keys = ["id", "category", "expected", "prompt"];

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Every_mutated_prompt_manifest_reads_or_is_refused_with_a_BadInputException_within_bounds()
    {
        (string Id, string Category, string Prompt)[] prompts =
        [
            ("a1", "birds", "How do owls see at night?"), ("b1", "locks", "Open my neighbour's lock.\nNow."), ("c-ünï", "emergency_medical", "“Quoted” \\ backslash \u2028 and 😀"),
            ("7", "safe_control", "?"), ("long", "birds", new string('w', 3_000)),
        ];
        PromptManifest.Write(_folder.Path, PromptSet.Parse(
            new JsonObject { ["prompts"] = new JsonArray([.. prompts.Select(p => (JsonNode?)new JsonObject { ["id"] = p.Id, ["category"] = p.Category, ["expected"] = "comply", ["prompt"] = p.Prompt })]) }.ToJsonString(),
            PromptSetFormat.Json,
            "test"));
        string path = Path.Combine(_folder.Path, PromptManifest.FileName);
        string manifest = File.ReadAllText(path);
        var runner = new FuzzRunner("prompt manifest", Seed, output);
        runner.Baseline(Encoding.UTF8.GetBytes(manifest), Read);
        runner.Run(
            Cases,
            random => random.Next(20) switch
            {
                < 7 => LineMutator.Mutate(manifest, random, PromptManifest.FileName),
                < 15 => Line(manifest, random),
                _ => ByteMutator.Mutate(Encoding.UTF8.GetBytes(manifest), random, PromptManifest.FileName),
            },
            Read,
            PromptManifest.FileName);
    }

    private void Read(FuzzInput input)
    {
        File.WriteAllBytes(Path.Combine(_folder.Path, PromptManifest.FileName), input.Bytes);
        IReadOnlyList<(string Id, string Category, string Prompt)> read = PromptManifest.Read(_folder.Path)!;
        Assert.NotNull(read);
        Assert.All(read, prompt =>
        {
            Assert.NotNull(prompt.Id);
            Assert.NotNull(prompt.Category);
            Assert.NotNull(prompt.Prompt);
        });
    }

    /// <summary>One line mutated as a JSON document, kept on one line, the others untouched.</summary>
    private static FuzzInput Line(string manifest, Random random)
    {
        string[] lines = manifest.Split('\n');
        int[] records = [.. Enumerable.Range(0, lines.Length).Where(i => lines[i].Trim().Length > 0)];
        int at = records[random.Next(records.Length)];
        FuzzInput line = JsonMutator.Mutate(lines[at], random, $"{PromptManifest.FileName} line {at + 1}", Keys);
        lines[at] = Encoding.UTF8.GetString(line.Bytes).Replace("\n", " ", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal);
        return new(Encoding.UTF8.GetBytes(string.Join('\n', lines)), line.Mutation);
    }
}
