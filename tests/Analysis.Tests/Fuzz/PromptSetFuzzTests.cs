using System.Text;
using Geode.Analysis.Prompts;
using Geode.Tests;
using Geode.Tests.Fuzz;
using Xunit.Abstractions;

namespace Geode.Analysis.Tests.Fuzz;

/// <summary>
/// Hostile prompt files (issue 9): mutations of JSON, JSONL and CSV prompt sets, each read with
/// <see cref="PromptSet.Load"/>, which picks the reader from the extension. Every case must load
/// or be refused with a <see cref="Geode.Model.BadInputException"/> naming the file, within the
/// fuzz bounds of <see cref="FuzzRunner"/>.
/// </summary>
public sealed class PromptSetFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 31_337;
    private const int Cases = 1_500;
    private const string Stem = "fuzz-prompts";

    private static readonly string[] Keys = ["prompts", "id", "category", "expected", "prompt", "variants"];

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Every_mutated_prompt_file_loads_or_is_refused_with_a_BadInputException_within_bounds()
    {
        (string Name, string Extension, string Text)[] bases =
        [
            ("prompts.json", ".json", PromptSamples.Json),
            ("prompts.jsonl", ".jsonl", PromptSamples.Jsonl),
            ("prompts.csv", ".csv", PromptSamples.Csv),
            ("geode-refusal-v1.json", ".json", PromptSamples.Benchmark),
        ];
        var runner = new FuzzRunner("prompt files", Seed, output);
        foreach ((string name, string extension, string text) in bases)
        {
            runner.Baseline(Pack(extension, Encoding.UTF8.GetBytes(text)), Load);
        }

        runner.Run(
            Cases,
            random =>
            {
                // The full benchmark is large and mostly prose; one case in ten is enough for it.
                (string name, string extension, string text) = bases[random.Next(10) == 0 ? 3 : random.Next(3)];
                FuzzInput mutated = extension switch
                {
                    ".csv" => random.Next(4) == 0 ? LineMutator.Mutate(text, random, name) : CsvMutator.Mutate(text, random, name),
                    ".jsonl" => random.Next(2) == 0 ? LineMutator.Mutate(text, random, name) : JsonlRecord(text, random, name),
                    _ => random.Next(10) < 7 ? JsonMutator.Mutate(text, random, name, Keys) : ByteMutator.Mutate(Encoding.UTF8.GetBytes(text), random, name),
                };
                return new(Pack(extension, mutated.Bytes), mutated.Mutation);
            },
            Load,
            Stem);
    }

    private void Load(FuzzInput input)
    {
        (string extension, byte[] bytes) = Unpack(input.Bytes);
        string path = _temp.File(Stem + extension);
        File.WriteAllBytes(path, bytes);
        PromptSet set = PromptSet.Load(path);
        Assert.NotEmpty(set.Records);
        Assert.Equal(64, set.ContentHash.Length);
    }

    /// <summary>One JSONL record mutated as a JSON document, the other lines untouched.</summary>
    private static FuzzInput JsonlRecord(string text, Random random, string name)
    {
        string[] lines = text.Split('\n');
        int at = random.Next(lines.Length - 1);
        FuzzInput line = JsonMutator.Mutate(lines[at], random, $"{name} line {at + 1}", Keys);
        lines[at] = Encoding.UTF8.GetString(line.Bytes).Replace("\n", " ", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal);
        return new(Encoding.UTF8.GetBytes(string.Join('\n', lines)), line.Mutation);
    }

    // The extension travels with the bytes (the runner measures one array per case); it is one byte long.
    private static byte[] Pack(string extension, byte[] bytes) => [(byte)(extension switch { ".json" => 0, ".jsonl" => 1, _ => 2 }), .. bytes];

    private static (string Extension, byte[] Bytes) Unpack(byte[] packed) => (packed[0] switch { 0 => ".json", 1 => ".jsonl", _ => ".csv" }, packed[1..]);
}
