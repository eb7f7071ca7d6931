using System.Text.Json;

namespace Geode.Client.Tests;

/// <summary>
/// A word-level <c>tokenizer.json</c> whose 256 ids match the tiny fixtures' vocabulary and whose
/// special tokens match their config: <c>&lt;pad&gt;</c>=0, <c>&lt;eos&gt;</c>=1, <c>&lt;bos&gt;</c>=2,
/// and Gemma 4's turn tokens <c>&lt;|turn&gt;</c>=3, <c>&lt;turn|&gt;</c>=4. Words are split on
/// whitespace; the other words are <c>user</c>, <c>model</c>, <c>system</c> and <c>w9</c>..<c>w255</c>.
/// </summary>
internal static class TinyTokenizer
{
    public const int TurnStart = 3;
    public const int TurnEnd = 4;

    private static readonly string[] Specials = ["<pad>", "<eos>", "<bos>", "<|turn>", "<turn|>"];

    /// <summary>Writes the tokenizer into <paramref name="folder"/> as <c>tokenizer.json</c>.</summary>
    public static string WriteTo(string folder)
    {
        var vocab = new Dictionary<string, int>();
        for (int id = 0; id < Specials.Length; id++)
        {
            vocab[Specials[id]] = id;
        }

        vocab["<unk>"] = 5;
        vocab["user"] = 6;
        vocab["model"] = 7;
        vocab["system"] = 8;
        for (int id = 9; id < 256; id++)
        {
            vocab[$"w{id}"] = id;
        }

        var document = new
        {
            version = "1.0",
            truncation = (object?)null,
            padding = (object?)null,
            added_tokens = Specials.Select((content, id) => new
            {
                id,
                content,
                single_word = false,
                lstrip = false,
                rstrip = false,
                normalized = false,
                special = true,
            }),
            normalizer = (object?)null,
            pre_tokenizer = new { type = "WhitespaceSplit" },
            post_processor = (object?)null,
            decoder = (object?)null,
            model = new { type = "WordLevel", vocab, unk_token = "<unk>" },
        };
        string path = Path.Combine(folder, "tokenizer.json");
        File.WriteAllText(path, JsonSerializer.Serialize(document));
        return path;
    }
}
