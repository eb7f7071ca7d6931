using Geode.Analysis.Prompts;

namespace Geode.Analysis.Tests.Prompts;

/// <summary>The content hash follows the content and nothing else.</summary>
public sealed class PromptSetHashTests
{
    private const string Compact =
        """{"prompts":[{"id":"a-1","category":"c","expected":"comply","prompt":"Hello there","variants":["Hi"]},{"id":"a-2","category":"d","expected":"refuse","prompt":"No","variants":[]}]}""";

    private const string Reformatted = """
        {
          "prompts": [
            { "variants": [ "Hi" ], "prompt": "Hello there", "id": "a-1", "expected": "comply", "category": "c" },

            {"expected": "refuse",    "category": "d", "id": "a-2", "prompt": "No"}
          ]
        }
        """;

    private static string Hash(string json, string source = "set.json") => PromptSet.Parse(json, PromptSetFormat.Json, source).ContentHash;

    [Fact]
    public void Same_content_gives_the_same_hash_whatever_the_source_name()
    {
        Assert.Equal(Hash(Compact, "a.json"), Hash(Compact, "b.json"));
        Assert.Matches("^[0-9a-f]{64}$", Hash(Compact));
    }

    [Fact]
    public void Key_order_whitespace_and_an_empty_variant_list_do_not_change_the_hash()
    {
        Assert.Equal(Hash(Compact), Hash(Reformatted));
    }

    [Fact]
    public void Record_order_does_not_change_the_hash()
    {
        string swapped = """{"prompts":[{"id":"a-2","category":"d","expected":"refuse","prompt":"No"},{"id":"a-1","category":"c","expected":"comply","prompt":"Hello there","variants":["Hi"]}]}""";

        Assert.Equal(Hash(Compact), Hash(swapped));
    }

    [Theory]
    [InlineData("Hello there", "Hello therE")]
    [InlineData("\"Hi\"", "\"Hi!\"")]
    [InlineData("\"a-1\"", "\"a-3\"")]
    [InlineData("\"category\":\"c\"", "\"category\":\"e\"")]
    [InlineData("\"expected\":\"comply\"", "\"expected\":\"refuse\"")]
    public void One_changed_character_changes_the_hash(string from, string to)
    {
        string changed = Compact.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(Compact, changed);

        Assert.NotEqual(Hash(Compact), Hash(changed));
    }

    [Fact]
    public void Moving_text_between_fields_changes_the_hash()
    {
        string moved = Compact.Replace("\"prompt\":\"Hello there\",\"variants\":[\"Hi\"]", "\"prompt\":\"Hi\",\"variants\":[\"Hello there\"]", StringComparison.Ordinal);
        Assert.NotEqual(Compact, moved);

        Assert.NotEqual(Hash(Compact), Hash(moved));
    }

    [Fact]
    public void The_same_records_from_jsonl_and_csv_give_the_same_hash()
    {
        string jsonl = """
            {"id":"a-1","category":"c","expected":"comply","prompt":"Hello there","variants":["Hi"]}
            {"id":"a-2","category":"d","expected":"refuse","prompt":"No"}
            """;
        string csv = "id,category,expected,prompt,variants\na-1,c,comply,Hello there,Hi\na-2,d,refuse,No,\n";

        Assert.Equal(Hash(Compact), PromptSet.Parse(jsonl, PromptSetFormat.Jsonl, "s.jsonl").ContentHash);
        Assert.Equal(Hash(Compact), PromptSet.Parse(csv, PromptSetFormat.Csv, "s.csv").ContentHash);
    }
}
