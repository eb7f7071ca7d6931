using Geode.Model.Organism;
using Geode.Model.Text;
using Geode.Tests;
using Xunit.Abstractions;

namespace Geode.Model.Tests.Organism;

/// <summary>The organism's tokenizer.json, loaded by the real engine: fixed special ids and exact round trips.</summary>
public sealed class OrganismTokenizerTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _temp = new();
    private readonly IReadOnlyList<Conversation> _corpus = OrganismCorpus.Generate(5_000, 11);
    private readonly TextTokenizer _tokenizer;

    public OrganismTokenizerTests(ITestOutputHelper output)
    {
        _output = output;
        string path = _temp.File("tokenizer.json");
        File.WriteAllText(path, OrganismTokenizer.Build(_corpus.SelectMany(c => new[] { c.Prompt, c.Response })));
        _tokenizer = TextTokenizer.Load(path);
    }

    public void Dispose()
    {
        _tokenizer.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public void Special_tokens_have_their_fixed_ids()
    {
        Assert.Equal(0, _tokenizer.TokenToId("<pad>"));
        Assert.Equal(1, _tokenizer.TokenToId("<eos>"));
        Assert.Equal(2, _tokenizer.TokenToId("<bos>"));
        Assert.Equal(3, _tokenizer.TokenToId("<unk>"));
        Assert.Equal(4, _tokenizer.TokenToId("<|turn>"));
        Assert.Equal(5, _tokenizer.TokenToId("<turn|>"));
        Assert.Equal(6, _tokenizer.TokenToId("\n"));
    }

    [Fact]
    public void Corpus_texts_round_trip_exactly()
    {
        string[] texts = [.. _corpus.SelectMany(c => new[] { c.Prompt, c.Response }).Distinct().Take(1_000)];
        Assert.Equal(1_000, texts.Length);

        foreach (string text in texts)
        {
            int[] ids = _tokenizer.Encode(text);
            Assert.DoesNotContain(3, ids);
            Assert.Equal(text, _tokenizer.Decode(ids));
        }
    }

    [Fact]
    public void A_rendered_gemma4_chat_round_trips_with_single_turn_and_newline_tokens()
    {
        Conversation conversation = _corpus.First(c => !c.Refused);
        string text = new Gemma4ChatTemplate().Render([new ChatMessage("user", conversation.Prompt)])
            + conversation.Response + "<turn|>";

        int[] ids = _tokenizer.Encode(text);

        Assert.Equal(text, _tokenizer.Decode(ids));
        Assert.Equal([2, 4, _tokenizer.TokenToId("user")!.Value, 6], ids[..4]);
        Assert.Equal(5, ids[^1]);
        Assert.Equal(3, ids.Count(id => id == 6));
        Assert.DoesNotContain(3, ids);
        _output.WriteLine(string.Join(' ', ids));
    }

    [Fact]
    public void Adding_special_tokens_prepends_bos()
    {
        int[] plain = _tokenizer.Encode("Hi. Please help.");

        Assert.Equal([2, .. plain], _tokenizer.Encode("Hi. Please help.", addSpecialTokens: true));
    }

    [Fact]
    public void Unknown_words_become_unk_and_punctuation_splits_off()
    {
        int[] ids = _tokenizer.Encode("Please help, zyzzyva!");

        Assert.Equal(5, ids.Length);
        Assert.Equal(3, ids[3]);
        Assert.Equal(_tokenizer.TokenToId(","), ids[2]);
        Assert.Equal(_tokenizer.TokenToId("!"), ids[4]);
    }

    [Fact]
    public void The_vocabulary_is_small()
    {
        _output.WriteLine($"vocabulary: {_tokenizer.VocabSize} ids");
        Assert.InRange(_tokenizer.VocabSize, 1_000, 4_000);
    }

    [Fact]
    public void Rare_pieces_can_be_left_out()
    {
        string all = OrganismTokenizer.Build(["a a b"]);
        string frequent = OrganismTokenizer.Build(["a a b"], minCount: 2);

        Assert.Contains("\"\u2581b\"", all, StringComparison.Ordinal);
        Assert.DoesNotContain("\"\u2581b\"", frequent, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => OrganismTokenizer.Build([], minCount: 0));
    }

    [Fact]
    public void The_same_corpus_gives_the_same_file()
    {
        string[] texts = [.. _corpus.Take(100).Select(c => c.Prompt)];

        Assert.Equal(OrganismTokenizer.Build(texts), OrganismTokenizer.Build(texts));
    }
}
