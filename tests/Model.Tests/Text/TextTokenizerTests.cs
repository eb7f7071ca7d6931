using Geode.Model.Text;
using Geode.Tests;

namespace Geode.Model.Tests.Text;

/// <summary>Loading and the special-token switches, on a tiny hand-written word-level tokenizer.</summary>
public sealed class TextTokenizerTests : IDisposable
{
    // Words split on spaces; <bos> (special) and <sep> (not special) are added tokens; the
    // post-processor prepends <bos>, as Gemma's does.
    private const string TinyTokenizer = """
        {
          "version": "1.0", "truncation": null, "padding": null,
          "added_tokens": [
            {"id": 0, "content": "<bos>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
            {"id": 4, "content": "<sep>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": false}
          ],
          "normalizer": null,
          "pre_tokenizer": {"type": "WhitespaceSplit"},
          "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<bos>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<bos>": {"id": "<bos>", "ids": [0], "tokens": ["<bos>"]}}
          },
          "decoder": null,
          "model": {"type": "WordLevel", "vocab": {"<bos>": 0, "hello": 1, "world": 2, "<unk>": 3}, "unk_token": "<unk>"}
        }
        """;

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Encodes_without_special_tokens_by_default_and_with_them_on_request()
    {
        using TextTokenizer tokenizer = LoadTiny();

        Assert.Equal([1, 2], tokenizer.Encode("hello world"));
        Assert.Equal([0, 1, 2], tokenizer.Encode("hello world", addSpecialTokens: true));
    }

    [Fact]
    public void Added_tokens_written_in_the_text_become_their_ids()
    {
        using TextTokenizer tokenizer = LoadTiny();

        Assert.Equal([0, 1, 4, 2], tokenizer.Encode("<bos>hello <sep> world"));
    }

    [Fact]
    public void Decodes_special_tokens_unless_asked_to_skip_them()
    {
        using TextTokenizer tokenizer = LoadTiny();

        Assert.Equal("<bos> hello <sep> world", tokenizer.Decode([0, 1, 4, 2]));
        Assert.Equal("hello <sep> world", tokenizer.Decode([0, 1, 4, 2], skipSpecialTokens: true));
        Assert.Equal(string.Empty, tokenizer.Decode([0], skipSpecialTokens: true));
    }

    [Fact]
    public void Looks_tokens_up_in_the_vocabulary_and_the_added_tokens()
    {
        using TextTokenizer tokenizer = LoadTiny();

        Assert.Equal(2, tokenizer.TokenToId("world"));
        Assert.Equal(4, tokenizer.TokenToId("<sep>"));
        Assert.Null(tokenizer.TokenToId("planet"));
        Assert.Equal(5, tokenizer.VocabSize);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(5)]
    public void Decoding_an_id_outside_the_vocabulary_throws(int id)
    {
        using TextTokenizer tokenizer = LoadTiny();

        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([1, id]));
    }

    [Fact]
    public void A_missing_file_is_bad_input_naming_it()
    {
        string path = Path.Combine(_temp.Path, "tokenizer.json");

        var error = Assert.Throws<BadInputException>(() => TextTokenizer.Load(path));

        Assert.Equal($"{path}: no such file; a Hugging Face tokenizer.json is needed.", error.Message);
        Assert.Equal(path, error.Source);
    }

    [Fact]
    public void Malformed_json_is_bad_input_naming_the_file()
    {
        string path = _temp.File("tokenizer.json");
        File.WriteAllText(path, "{ \"model\": ");

        var error = Assert.Throws<BadInputException>(() => TextTokenizer.Load(path));

        Assert.StartsWith($"{path}: not valid JSON (", error.Message, StringComparison.Ordinal);
        Assert.Equal(path, error.Source);
    }

    [Fact]
    public void Json_without_a_vocabulary_is_bad_input_naming_the_field()
    {
        string path = _temp.File("tokenizer.json");
        File.WriteAllText(path, """{"model": {"type": "BPE"}}""");

        var error = Assert.Throws<BadInputException>(() => TextTokenizer.Load(path));

        Assert.Equal("model.vocab", error.Field);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"hello\": 1,", "\"hello\\ud800\": 1,", "$.model.vocab: a key holds a \\u escape of an unpaired UTF-16 surrogate")]
    [InlineData("\"content\": \"<sep>\"", "\"content\": \"<sep\\udc00>\"", "$.added_tokens[1].content: the string holds a \\u escape of an unpaired UTF-16 surrogate")]
    public void A_string_escaping_an_unpaired_surrogate_is_bad_input_naming_where(string original, string hostile, string says)
    {
        // System.Text.Json parses these escapes and throws InvalidOperationException only when the string is read.
        string path = _temp.File("tokenizer.json");
        File.WriteAllText(path, TinyTokenizer.Replace(original, hostile, StringComparison.Ordinal));

        var error = Assert.Throws<BadInputException>(() => TextTokenizer.Load(path));

        Assert.Contains(says, error.Message, StringComparison.Ordinal);
        Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_vocabulary_id_of_int_max_is_bad_input_since_the_size_would_not_fit()
    {
        string path = _temp.File("tokenizer.json");
        File.WriteAllText(path, TinyTokenizer.Replace("\"world\": 2,", "\"world\": 2147483647,", StringComparison.Ordinal));

        var error = Assert.Throws<BadInputException>(() => TextTokenizer.Load(path));

        Assert.Equal("model.vocab", error.Field);
        Assert.Contains("the id of 'world' is 2147483647, not an integer from 0 to 2147483646", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_added_token_whose_id_the_engine_would_change_is_bad_input()
    {
        string path = _temp.File("tokenizer.json");
        File.WriteAllText(path, TinyTokenizer.Replace("\"id\": 4,", "\"id\": 7,", StringComparison.Ordinal));

        var error = Assert.Throws<BadInputException>(() => TextTokenizer.Load(path));

        Assert.Equal($"{path}: added token '<sep>' says id 7, but the tokenizers engine gives it id 4; a Hugging Face tokenizer.json is needed.", error.Message);
        Assert.Equal("added_tokens", error.Field);
    }

    [Fact]
    public void A_file_the_engine_rejects_is_bad_input_naming_it()
    {
        string path = _temp.File("tokenizer.json");
        File.WriteAllText(path, """{"model": {"type": "NoSuchModel", "vocab": {"a": 0}}}""");

        var error = Assert.Throws<BadInputException>(() => TextTokenizer.Load(path));

        Assert.StartsWith($"{path}: the Hugging Face tokenizers engine cannot load it (", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_disposed_tokenizer_refuses_work()
    {
        TextTokenizer tokenizer = LoadTiny();
        tokenizer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => tokenizer.Encode("hello"));
    }

    private TextTokenizer LoadTiny()
    {
        string path = _temp.File("tiny/tokenizer.json");
        File.WriteAllText(path, TinyTokenizer);
        return TextTokenizer.Load(path);
    }
}
