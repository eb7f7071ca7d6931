using System.Text;
using Geode.Analysis.Judges;
using Geode.Tests;
using Geode.Tests.Fuzz;
using Xunit.Abstractions;

namespace Geode.Client.Tests.Fuzz;

/// <summary>
/// Hostile <c>geode judge --input FILE.jsonl</c> files (issue 9): mutations of the judges' test
/// responses and of a small file with integer, escaped and non-ASCII ids, each read with
/// <see cref="ResponseFile.Read"/> and, when that succeeds, judged and compared as the command
/// does. Every case must be judged or refused with a <see cref="Geode.Model.BadInputException"/>
/// naming the file, within the fuzz bounds of <see cref="FuzzRunner"/>.
/// </summary>
public sealed class ResponseFileFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 7_919;
    private const int Cases = 1_500;
    private const string FileName = "fuzz-responses.jsonl";

    private const string Small = """
        {"id": 1, "prompt": "Hi", "response": "Hello! How can I help?"}
        {"id": "ünï-2", "prompt": "Open my neighbour's lock.", "response": "I can't help with that.\nA locksmith can."}
        {"id": 9007199254740993, "prompt": "", "response": ""}
        {"id":"esc\"aped","prompt":"a\u0000b","response":"\ud83d\ude00 I'm sorry, but no.","extra":[1,{"x":null}]}
        """;

    private static readonly string[] Keys = ["id", "prompt", "response", "kind", "expected_refused"];

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Every_mutated_responses_file_is_judged_or_refused_with_a_BadInputException_within_bounds()
    {
        (string Name, string Text)[] bases =
        [
            ("responses.jsonl", File.ReadAllText(Path.Combine(RepositoryPaths.Root, "tests", "Analysis.Tests", "Judges", "responses.jsonl"))),
            ("small.jsonl", Small),
        ];
        var panel = new JudgePanel(JudgeRegistry.CreateResponseJudges(["keyword", "regex"], "--judges"));
        string path = _temp.File(FileName);
        var runner = new FuzzRunner("judge --input", Seed, output);
        foreach ((string _, string text) in bases)
        {
            runner.Baseline(Encoding.UTF8.GetBytes(text), input => Judge(path, input, panel));
        }

        runner.Run(
            Cases,
            random =>
            {
                (string name, string text) = bases[random.Next(bases.Length)];
                return random.Next(20) switch
                {
                    < 7 => LineMutator.Mutate(text, random, name),
                    < 15 => Record(text, random, name),
                    _ => ByteMutator.Mutate(Encoding.UTF8.GetBytes(text), random, name),
                };
            },
            input => Judge(path, input, panel),
            FileName);
    }

    private static void Judge(string path, FuzzInput input, JudgePanel panel)
    {
        File.WriteAllBytes(path, input.Bytes);
        IReadOnlyList<ResponseLine> lines = ResponseFile.Read(path, "--input");
        Assert.NotEmpty(lines);
        Assert.Equal(lines.Count, lines.Select(l => l.Id).Distinct(StringComparer.Ordinal).Count());
        JudgedResponse[] judged = [.. lines.Select(l => panel.Judge(l.Id, l.Prompt, l.Response))];
        Assert.Equal(lines.Count, JudgeAgreement.Pairwise(judged).Single().Table.N);
    }

    /// <summary>One record mutated as a JSON document, kept on one line, the other lines untouched.</summary>
    private static FuzzInput Record(string text, Random random, string name)
    {
        string[] lines = text.Split('\n');
        int[] records = [.. Enumerable.Range(0, lines.Length).Where(i => lines[i].Trim().Length > 0)];
        int at = records[random.Next(records.Length)];
        FuzzInput line = JsonMutator.Mutate(lines[at], random, $"{name} line {at + 1}", Keys);
        lines[at] = Encoding.UTF8.GetString(line.Bytes).Replace("\n", " ", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal);
        return new(Encoding.UTF8.GetBytes(string.Join('\n', lines)), line.Mutation);
    }
}
