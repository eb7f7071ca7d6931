using System.Text.Json;
using Geode.Analysis.Judges;
using Geode.Tests;

namespace Geode.Client.Tests;

/// <summary><c>geode judge</c> end to end: JSON lines, the table, and bad input that exits 2 naming the line.</summary>
public sealed class JudgeCommandTests : IDisposable
{
    private static readonly string Fixture = Path.Combine(RepositoryPaths.Root, "tests", "Analysis.Tests", "Judges", "responses.jsonl");

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Json_lines_give_one_verdict_per_judge_per_response_and_then_the_agreement()
    {
        string[] inputs = [.. File.ReadLines(Fixture).Where(l => l.Length > 0)];

        CliResult result = await CliRunner.RunAsync("judge", "--input", Fixture, "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Empty, result.Error);
        JsonElement[] records = [.. result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];
        JsonElement[] verdicts = [.. records.Where(r => !r.TryGetProperty("agreement", out _))];
        Assert.Equal(inputs.Length * 2, verdicts.Length);
        Assert.All(verdicts, v => Assert.Equal(["id", "judge", "version", "refused", "score"], v.EnumerateObject().Select(p => p.Name)));

        // Each verdict is what the judge itself says about that line.
        var keyword = new KeywordJudge();
        var regex = new RegexJudge();
        var disagreeing = new List<string>();
        for (int i = 0; i < inputs.Length; i++)
        {
            JsonElement line = JsonDocument.Parse(inputs[i]).RootElement;
            string id = line.GetProperty("id").GetString()!;
            string response = line.GetProperty("response").GetString()!;
            bool byKeyword = keyword.Judge("", response).Refused;
            bool byRegex = regex.Judge("", response).Refused;
            Assert.Equal((id, "keyword", byKeyword), Verdict(verdicts[2 * i]));
            Assert.Equal((id, "regex", byRegex), Verdict(verdicts[(2 * i) + 1]));
            if (byKeyword != byRegex)
            {
                disagreeing.Add(id);
            }
        }

        JsonElement agreement = Assert.Single(records, r => r.TryGetProperty("agreement", out _)).GetProperty("agreement");
        Assert.Equal(inputs.Length, agreement.GetProperty("n").GetInt32());
        Assert.Equal(disagreeing, agreement.GetProperty("disagreeing_ids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1.0 - ((double)disagreeing.Count / inputs.Length), agreement.GetProperty("raw").GetDouble(), 12);
        Assert.NotEmpty(disagreeing);
    }

    [Fact]
    public async Task The_table_lists_verdicts_counts_and_agreement()
    {
        string input = Write("{\"id\":\"r1\",\"prompt\":\"p\",\"response\":\"I can't help with that.\"}\n\n{\"id\":7,\"prompt\":\"p\",\"response\":\"Boil it for one minute.\"}\n");

        CliResult result = await CliRunner.RunAsync("judge", "--input", input);

        Assert.Equal(0, result.ExitCode);
        string[] lines = result.Output.Split('\n');
        Assert.StartsWith("id ", lines[0], StringComparison.Ordinal);
        Assert.Equal(5, lines.TakeWhile(l => l.Length > 0).Count());
        Assert.Contains("keyword v1: 1 of 2 refused", result.Output, StringComparison.Ordinal);
        Assert.Contains("regex v1: 2 of 2 refused", result.Output, StringComparison.Ordinal);
        Assert.Contains("keyword vs regex: agreement 0.500 on 2", result.Output, StringComparison.Ordinal);
        Assert.Contains("disagree on 1: 7", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_judge_prints_verdicts_and_no_agreement()
    {
        string input = Write("{\"id\":\"r1\",\"prompt\":\"p\",\"response\":\"Sure.\"}\n");

        CliResult result = await CliRunner.RunAsync("judge", "--input", input, "--judges", "regex", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("{\"id\":\"r1\",\"judge\":\"regex\",\"version\":\"1\",\"refused\":true,\"score\":1}\n", result.Output);
    }

    [Theory]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\"}", "field \"response\" is missing")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"response\":42}", "field \"response\" must be a string; got a number")]
    [InlineData("{\"prompt\":\"p\",\"response\":\"r\"}", "field \"id\" is missing")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",", "not valid JSON")]
    [InlineData("[1, 2]", "expected a JSON object")]
    [InlineData("{\"id\":\"a\",\"prompt\":\"p\",\"response\":\"again\"}", "field \"id\" repeats \"a\" from line 1")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"response\":\"\\ud800\"}", "cannot be read as text at $.response: the string holds a \\u escape of an unpaired UTF-16 surrogate")]
    public async Task A_bad_line_exits_2_naming_the_file_line_and_field(string badLine, string expected)
    {
        string input = Write($"{{\"id\":\"a\",\"prompt\":\"p\",\"response\":\"r\"}}\n\n{badLine}\n{{\"id\":\"c\",\"prompt\":\"p\",\"response\":\"r\"}}\n");

        CliResult result = await CliRunner.RunAsync("judge", "--input", input, "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{input}:3: {expected}", result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Output);
    }

    [Fact]
    public async Task An_unknown_judge_exits_2_listing_the_judges()
    {
        CliResult result = await CliRunner.RunAsync("judge", "--input", Fixture, "--judges", "keyword,llm");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--judges: unknown judge 'llm'; the judges are keyword (v1), regex (v1), first-token", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_first_token_judge_exits_2_saying_it_needs_a_model()
    {
        CliResult result = await CliRunner.RunAsync("judge", "--input", Fixture, "--judges", "first-token");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("first-token judge reads a model's first-token logits", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_or_empty_input_exits_2()
    {
        string missing = Path.Combine(_temp.Path, "none.jsonl");
        string empty = Write("\n\n");

        CliResult absent = await CliRunner.RunAsync("judge", "--input", missing);
        CliResult nothing = await CliRunner.RunAsync("judge", "--input", empty);

        Assert.Equal((2, 2), (absent.ExitCode, nothing.ExitCode));
        Assert.Contains($"--input {missing}: no such file", absent.Error, StringComparison.Ordinal);
        Assert.Contains($"{empty}: no responses", nothing.Error, StringComparison.Ordinal);
    }

    private static (string, string, bool) Verdict(JsonElement verdict) =>
        (verdict.GetProperty("id").GetString()!, verdict.GetProperty("judge").GetString()!, verdict.GetProperty("refused").GetBoolean());

    private string Write(string text)
    {
        string path = _temp.File("responses.jsonl");
        File.WriteAllText(path, text);
        return path;
    }
}
