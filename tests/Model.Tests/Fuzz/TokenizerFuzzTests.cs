using System.Text;
using Geode.Model.Text;
using Geode.Tests;
using Geode.Tests.Fuzz;
using Xunit.Abstractions;

namespace Geode.Model.Tests.Fuzz;

/// <summary>
/// Hostile <c>tokenizer.json</c> files (issue 9): mutations of the organism's word-level tokenizer
/// and of small BPE and Unigram ones, each loaded with <see cref="TextTokenizer.Load"/> (Geode's own
/// reading, then the Rust engine's). A tokenizer that loads is also used once: an engine that
/// accepted a file must not crash or hang the process on first use either.
/// </summary>
public sealed class TokenizerFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 7_777;
    private const int Cases = 1_200;
    private const string FileName = "fuzz-tokenizer.json";

    /// <summary>The keys the reader and the engine look up, so renames and additions reach their checks.</summary>
    private static readonly string[] Keys =
        ["model", "vocab", "added_tokens", "id", "content", "special", "type", "merges", "unk_token", "unk_id", "post_processor",
         "pre_tokenizer", "normalizer", "decoder", "pattern", "Regex", "String", "behavior", "single_word", "lstrip", "rstrip",
         "normalized", "byte_fallback", "continuing_subword_prefix", "ignore_merges", "version", "truncation", "padding"];

    private const string Bpe = """
        {"version":"1.0","truncation":null,"padding":null,
         "added_tokens":[{"id":0,"content":"<unk>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true},
                         {"id":6,"content":"<eot>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true}],
         "normalizer":{"type":"Lowercase"},"pre_tokenizer":{"type":"Whitespace"},"post_processor":null,"decoder":{"type":"BPEDecoder","suffix":""},
         "model":{"type":"BPE","dropout":null,"unk_token":"<unk>","continuing_subword_prefix":null,"end_of_word_suffix":null,"fuse_unk":false,
                  "byte_fallback":false,"vocab":{"<unk>":0,"a":1,"b":2,"c":3,"ab":4,"abc":5},"merges":["a b","ab c"]}}
        """;

    private const string Unigram = """
        {"version":"1.0","truncation":null,"padding":null,
         "added_tokens":[{"id":0,"content":"<unk>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true}],
         "normalizer":null,"pre_tokenizer":{"type":"Metaspace","replacement":"\u2581","prepend_scheme":"always","split":true},
         "post_processor":null,"decoder":{"type":"Metaspace","replacement":"\u2581","prepend_scheme":"always","split":true},
         "model":{"type":"Unigram","unk_id":0,"byte_fallback":false,
                  "vocab":[["<unk>",0.0],["\u2581",-2.0],["a",-1.0],["b",-1.5],["c",-2.5],["\u2581ab",-1.2],["abc",-3.0]]}}
        """;

    private readonly TempFolder _temp = new();
    private int _usedWithDocumentedErrors;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Every_mutated_tokenizer_loads_or_is_refused_with_a_BadInputException_within_bounds()
    {
        (string Name, string Json)[] bases =
        [
            ("organism tokenizer.json", File.ReadAllText(Path.Combine(RepositoryPaths.Root, "models", "organism", "tokenizer.json"))),
            ("bpe", Bpe),
            ("unigram", Unigram),
        ];
        string path = _temp.File(FileName);
        var runner = new FuzzRunner("tokenizer.json", Seed, output);
        foreach ((string _, string json) in bases)
        {
            runner.Baseline(Encoding.UTF8.GetBytes(json), input => LoadAndUse(path, input));
        }

        runner.Run(
            Cases,
            random =>
            {
                (string name, string json) = bases[random.Next(bases.Length)];
                return random.Next(10) < 7
                    ? JsonMutator.Mutate(json, random, name, Keys)
                    : ByteMutator.Mutate(Encoding.UTF8.GetBytes(json), random, name);
            },
            input => LoadAndUse(path, input),
            FileName);
        output.WriteLine($"FUZZ tokenizer.json: {_usedWithDocumentedErrors} loaded tokenizers then failed to encode or decode with their documented exception (ArgumentException, InvalidOperationException)");
    }

    private void LoadAndUse(string path, FuzzInput input)
    {
        File.WriteAllBytes(path, input.Bytes);
        using TextTokenizer tokenizer = TextTokenizer.Load(path);
        Assert.True(tokenizer.VocabSize >= 0);
        try
        {
            int[] ids = tokenizer.Encode("abc ab hello <bos> world\u2581 \u00e9");
            _ = tokenizer.Decode([.. ids.Where(id => id < tokenizer.VocabSize)], skipSpecialTokens: true);
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException)
        {
            // Encode and Decode document these for text or ids the engine rejects; loading is what is under test.
            _usedWithDocumentedErrors++;
        }
    }
}
