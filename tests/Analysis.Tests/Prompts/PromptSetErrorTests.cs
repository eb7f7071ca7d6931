using Geode.Analysis.Prompts;
using Geode.Model;
using Geode.Tests;

namespace Geode.Analysis.Tests.Prompts;

/// <summary>Every user-fixable problem is a <see cref="BadInputException"/> naming the file and the line or record.</summary>
public sealed class PromptSetErrorTests : IDisposable
{
    private const string Header = "id,category,expected,prompt,variants";

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Duplicate_id_in_json_names_the_record_index_the_id_and_the_first_use()
    {
        BadInputException e = LoadJson(
            """{"prompts":[{"id":"a","category":"c","expected":"comply","prompt":"p"},{"id":"b","category":"c","expected":"comply","prompt":"q"},{"id":"a","category":"c","expected":"comply","prompt":"r"}]}""");

        Assert.Contains("set.json: record 3 (id \"a\")", e.Message, StringComparison.Ordinal);
        Assert.Contains("duplicate id", e.Message, StringComparison.Ordinal);
        Assert.Contains("set.json: record 1", e.Message, StringComparison.Ordinal);
        Assert.Equal("id", e.Field);
    }

    [Fact]
    public void Duplicate_id_in_jsonl_names_both_lines()
    {
        BadInputException e = Load("set.jsonl", """
            {"id":"a","category":"c","expected":"comply","prompt":"p"}

            {"id":"a","category":"c","expected":"comply","prompt":"q"}
            """);

        Assert.Contains("set.jsonl:3 (id \"a\"): duplicate id; it is first used at", e.Message, StringComparison.Ordinal);
        Assert.Contains("set.jsonl:1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_id_in_csv_names_the_line_after_a_multi_line_field()
    {
        BadInputException e = LoadCsv($"{Header}\na,c,comply,\"two\nlines\",\na,c,comply,p,");

        Assert.Contains("set.csv:4 (id \"a\"): duplicate id", e.Message, StringComparison.Ordinal);
        Assert.Contains("set.csv:2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_expected_value_names_the_line_the_value_and_the_known_values()
    {
        BadInputException e = LoadCsv($"{Header}\na,c,comply,p,\nb,c,harmful,q,");

        Assert.Contains("set.csv:3 (id \"b\"): unknown expected value \"harmful\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("comply, refuse", e.Message, StringComparison.Ordinal);
        Assert.Equal("expected", e.Field);
    }

    [Fact]
    public void Unknown_expected_value_in_json_names_the_record_and_id()
    {
        BadInputException e = LoadJson("""[{"id":"x-9","category":"c","expected":"maybe","prompt":"p"}]""");

        Assert.Contains("set.json: record 1 (id \"x-9\"): unknown expected value \"maybe\"", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"   \"")]
    public void Empty_prompt_names_the_line(string prompt)
    {
        BadInputException e = Load("set.jsonl", $$"""{"id":"a","category":"c","expected":"refuse","prompt":{{prompt}}}""");

        Assert.Contains("set.jsonl:1 (id \"a\"): the prompt (field \"prompt\") is empty", e.Message, StringComparison.Ordinal);
        Assert.Equal("prompt", e.Field);
    }

    [Fact]
    public void Empty_prompt_in_csv_names_the_line()
    {
        BadInputException e = LoadCsv($"{Header}\na,c,comply,p,\nb,c,comply,,");

        Assert.Contains("set.csv:3 (id \"b\"): the prompt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_category_is_an_error_only_with_a_whitelist()
    {
        string csv = $"{Header}\na,emergency_medical,comply,p,\nb,cooking,comply,q,";
        PromptSetOptions options = new() { Categories = new HashSet<string> { "emergency_medical", "safe_control" } };

        BadInputException e = LoadCsv(csv, options);
        Assert.Contains("set.csv:3 (id \"b\"): unknown category \"cooking\"; allowed: emergency_medical, safe_control", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, PromptSet.Parse(csv, PromptSetFormat.Csv, "set.csv").Records.Count);
    }

    [Fact]
    public void Missing_field_in_json_names_the_record_and_the_field()
    {
        BadInputException e = LoadJson("""{"prompts":[{"id":"a","category":"c","expected":"comply","prompt":"p"},{"id":"b","category":"c","prompt":"q"}]}""");

        Assert.Contains("set.json: record 2 (id \"b\"): no \"expected\" field", e.Message, StringComparison.Ordinal);
        Assert.Equal("expected", e.Field);
    }

    [Fact]
    public void Missing_id_names_the_line()
    {
        BadInputException e = Load("set.jsonl", """
            {"id":"a","category":"c","expected":"comply","prompt":"p"}
            {"category":"c","expected":"comply","prompt":"q"}
            """);

        Assert.Contains("set.jsonl:2: no \"id\" field", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_field_counts_as_missing()
    {
        BadInputException e = LoadJson("""[{"id":"a","category":null,"expected":"comply","prompt":"p"}]""");

        Assert.Contains("record 1 (id \"a\"): no \"category\" field", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_csv_column_names_the_header_line_the_mapped_name_and_the_columns()
    {
        PromptSetOptions options = new() { Mapping = FieldMapping.Default with { Prompt = "text" } };

        BadInputException e = LoadCsv($"{Header}\na,c,comply,p,", options);

        Assert.Contains("set.csv:1: the header has no column \"text\" (the prompt field); its columns are: id, category, expected, prompt, variants", e.Message, StringComparison.Ordinal);
        Assert.Equal("text", e.Field);
    }

    [Fact]
    public void Malformed_json_names_the_line()
    {
        BadInputException e = LoadJson("{\"prompts\": [\n  {\"id\": \"a\",\n  \"category\" \"c\"}\n]}");

        Assert.Contains("set.json:3: not valid JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_jsonl_names_the_line()
    {
        BadInputException e = Load("set.jsonl", "{\"id\":\"a\",\"category\":\"c\",\"expected\":\"comply\",\"prompt\":\"p\"}\n{\"id\": \"b\",\n");

        Assert.Contains("set.jsonl:2: not valid JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_string_escaping_an_unpaired_surrogate_names_the_line_and_the_path()
    {
        // The JSON parser accepts the escape; reading the string used to throw InvalidOperationException.
        BadInputException e = Load("set.jsonl", "{\"id\":\"a\",\"category\":\"c\",\"expected\":\"comply\",\"prompt\":\"p\"}\n{\"id\":\"b\\ud800\",\"category\":\"c\",\"expected\":\"comply\",\"prompt\":\"p\"}\n");

        Assert.Contains("set.jsonl:2: cannot be read as text at $.id: the string holds a \\u escape of an unpaired UTF-16 surrogate", e.Message, StringComparison.Ordinal);
        Assert.Equal("$.id", e.Field);
    }

    [Theory]
    [InlineData("{\"prompt\": []}", "expected {\"prompts\": [ … ]} or an array")]
    [InlineData("[1]", "set.json: record 1: a record must be a JSON object, found a number")]
    [InlineData("[{\"id\":\"a\",\"category\":\"c\",\"expected\":\"comply\",\"prompt\":\"p\",\"variants\":[\"v\", 2]}]", "set.json: record 1: item 2 of field \"variants\" is a number")]
    [InlineData("[{\"id\":\"a\",\"category\":\"c\",\"expected\":\"comply\",\"prompt\":{}}]", "set.json: record 1: field \"prompt\" is an object")]
    [InlineData("[{\"id\":\"a\",\"category\":\"c\",\"expected\":\"comply\",\"prompt\":[\"p\"]}]", "set.json: record 1 (id \"a\"): field \"prompt\" (the prompt) is an array")]
    [InlineData("[{\"id\":\"a\",\"category\":\"c\",\"expected\":\"comply\",\"prompt\":\"p\",\"variants\":[\"v\", \" \"]}]", "set.json: record 1 (id \"a\"): variant 2 (field \"variants\") is empty")]
    [InlineData("[]", "set.json: the file holds no prompts")]
    [InlineData("{\"prompts\": [{\"\\udc00\": \"x\"}]}", "set.json: cannot be read as text at $.prompts[0]: a key holds a \\u escape of an unpaired UTF-16 surrogate")]
    public void Wrongly_shaped_json_names_the_record(string json, string expected)
    {
        Assert.Contains(expected, LoadJson(json).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("id,category,expected,prompt,variants\na,c,comply,\"never closed,\nb,c,comply,q,", "set.csv:2: a quoted field starts here and is never closed")]
    [InlineData("id,category,expected,prompt,variants\na,c,comply,\"p\"x,", "set.csv:2: 'x' follows a closing quote")]
    [InlineData("id,category,expected,prompt,variants\na,c,comply,\"ok\",\nb,c,comply,say \"hi\",", "set.csv:3: a quote inside an unquoted field")]
    [InlineData("id,category,expected,prompt,variants\na,c,comply,p,\nb,c,comply,one, two,", "set.csv:3: 6 fields, but the header has 5")]
    [InlineData("id,category,expected,prompt,id\na,c,comply,p,b", "set.csv:1: the header names column \"id\" twice")]
    [InlineData("id,category,expected,prompt,variants\na,c,comply,p,x||y", "set.csv:2 (id \"a\"): variant 2 (field \"variants\") is empty")]
    [InlineData("", "set.csv: the file is empty")]
    [InlineData("id,category,expected,prompt,variants\n", "set.csv: the file holds no prompts")]
    public void Malformed_csv_names_the_line(string csv, string expected)
    {
        Assert.Contains(expected, LoadCsv(csv).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_and_an_unknown_extension_name_the_file()
    {
        string missing = Path.Combine(_folder.Path, "nope.json");
        string text = _folder.File("set.txt");
        File.WriteAllText(text, "[]");

        BadInputException notThere = Assert.Throws<BadInputException>(() => PromptSet.Load(missing));
        BadInputException unknown = Assert.Throws<BadInputException>(() => PromptSet.Load(text));

        Assert.Contains(missing, notThere.Message, StringComparison.Ordinal);
        Assert.Equal(missing, notThere.Source);
        Assert.Contains($"{text}: cannot tell the prompt-set format from the extension \".txt\"", unknown.Message, StringComparison.Ordinal);
    }

    private BadInputException LoadJson(string json) => Load("set.json", json);

    private BadInputException LoadCsv(string csv, PromptSetOptions? options = null) => Load("set.csv", csv, options);

    /// <summary>Writes the file and loads it, so the error must name the real path, then strips the folder for readable asserts.</summary>
    private BadInputException Load(string name, string content, PromptSetOptions? options = null)
    {
        string path = _folder.File(name);
        File.WriteAllText(path, content);
        BadInputException e = Assert.Throws<BadInputException>(() => PromptSet.Load(path, options));
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        Assert.Equal(path, e.Source);
        return new BadInputException(e.Message.Replace(_folder.Path + Path.DirectorySeparatorChar, string.Empty, StringComparison.Ordinal), e.Source, e.Field);
    }
}
