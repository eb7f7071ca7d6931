using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Geode.Model.Organism;

/// <summary>
/// Builds the model organism's <c>tokenizer.json</c>: a word-level Hugging Face tokenizer over a
/// corpus that <see cref="Text.TextTokenizer"/> loads, whose decoding restores the encoded text
/// exactly (case and spacing included) wherever every word is in the vocabulary.
/// </summary>
/// <remarks>
/// <para>The scheme, Metaspace-like: the normalizer writes every space as <c>▁</c>; the
/// pre-tokenizer splits the text into words (letters and digits, with the <c>▁</c> before them),
/// apostrophe suffixes (<c>'t</c>, <c>'s</c>), single other characters (with their <c>▁</c>), and
/// lone <c>▁</c>s; the decoder turns <c>▁</c> back into a space and joins the pieces with nothing
/// between. So <c>"I can't."</c> is <c>I ▁can 't .</c>, and decodes back unchanged.</para>
/// <para>Ids: <c>&lt;pad&gt;</c> 0, <c>&lt;eos&gt;</c> 1, <c>&lt;bos&gt;</c> 2, <c>&lt;unk&gt;</c> 3,
/// <c>&lt;|turn&gt;</c> 4, <c>&lt;turn|&gt;</c> 5 and <c>"\n"</c> 6 are added tokens (so a rendered
/// Gemma 4 chat splits on them before any word splitting), then the template's role words, then the
/// corpus's pieces, most frequent first. Unknown pieces become <c>&lt;unk&gt;</c>. Like Gemma's, the
/// post-processor prepends <c>&lt;bos&gt;</c> when asked to add special tokens.</para>
/// </remarks>
public static class OrganismTokenizer
{
    private const string Space = "\u2581";

    // The same pattern runs in .NET (to count pieces) and in the engine's Oniguruma (to split).
    private const string PiecePattern = Space + @"?[\p{L}\p{N}]+|'\p{L}+|" + Space + @"?[^\p{L}\p{N}" + Space + "]|" + Space;

    private static readonly Regex Piece = new(PiecePattern, RegexOptions.CultureInvariant);

    // Added tokens, in id order; "\n" is not special so that skipping special tokens keeps line breaks.
    private static readonly IReadOnlyList<(string Content, bool Special)> AddedTokens =
    [
        ("<pad>", true), ("<eos>", true), ("<bos>", true), ("<unk>", true),
        ("<|turn>", true), ("<turn|>", true), ("\n", false),
    ];

    // The words a Gemma 4 chat template writes right after <|turn>, whatever the corpus holds.
    private static readonly IReadOnlyList<string> RoleWords = ["user", "model", "system"];

    /// <summary>Builds the <c>tokenizer.json</c> text for a corpus.</summary>
    /// <param name="texts">The corpus: prompts and responses, as the model will see them.</param>
    /// <param name="minCount">How often a piece must occur to get its own id; rarer ones become <c>&lt;unk&gt;</c>.</param>
    /// <returns>The file's text, UTF-8 JSON.</returns>
    public static string Build(IEnumerable<string> texts, int minCount = 1)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfLessThan(minCount, 1);

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string text in texts)
        {
            ArgumentNullException.ThrowIfNull(text, nameof(texts));
            foreach (string segment in text.Split('\n'))
            {
                foreach (Match match in Piece.Matches(segment.Replace(" ", Space, StringComparison.Ordinal)))
                {
                    counts[match.Value] = counts.GetValueOrDefault(match.Value) + 1;
                }
            }
        }

        var vocabulary = new List<string>(AddedTokens.Select(t => t.Content));
        var known = new HashSet<string>(vocabulary, StringComparer.Ordinal);
        foreach (string word in RoleWords.Concat(counts
                     .Where(c => c.Value >= minCount)
                     .OrderByDescending(c => c.Value)
                     .ThenBy(c => c.Key, StringComparer.Ordinal)
                     .Select(c => c.Key)))
        {
            if (known.Add(word))
            {
                vocabulary.Add(word);
            }
        }

        return Write(vocabulary);
    }

    private static string Write(List<string> vocabulary)
    {
        // Relaxed escaping writes ▁ and other non-ASCII pieces as themselves, so the file stays readable.
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("version", "1.0");
            json.WriteNull("truncation");
            json.WriteNull("padding");
            json.WriteStartArray("added_tokens");
            for (int id = 0; id < AddedTokens.Count; id++)
            {
                json.WriteStartObject();
                json.WriteNumber("id", id);
                json.WriteString("content", AddedTokens[id].Content);
                json.WriteBoolean("single_word", false);
                json.WriteBoolean("lstrip", false);
                json.WriteBoolean("rstrip", false);
                json.WriteBoolean("normalized", false);
                json.WriteBoolean("special", AddedTokens[id].Special);
                json.WriteEndObject();
            }

            json.WriteEndArray();

            json.WriteStartObject("normalizer");
            json.WriteString("type", "Replace");
            json.WriteStartObject("pattern");
            json.WriteString("String", " ");
            json.WriteEndObject();
            json.WriteString("content", Space);
            json.WriteEndObject();

            json.WriteStartObject("pre_tokenizer");
            json.WriteString("type", "Split");
            json.WriteStartObject("pattern");
            json.WriteString("Regex", PiecePattern);
            json.WriteEndObject();
            json.WriteString("behavior", "Isolated");
            json.WriteBoolean("invert", false);
            json.WriteEndObject();

            WritePostProcessor(json);

            json.WriteStartObject("decoder");
            json.WriteString("type", "Replace");
            json.WriteStartObject("pattern");
            json.WriteString("String", Space);
            json.WriteEndObject();
            json.WriteString("content", " ");
            json.WriteEndObject();

            json.WriteStartObject("model");
            json.WriteString("type", "WordLevel");
            json.WriteStartObject("vocab");
            for (int id = 0; id < vocabulary.Count; id++)
            {
                json.WriteNumber(vocabulary[id], id);
            }

            json.WriteEndObject();
            json.WriteString("unk_token", "<unk>");
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WritePostProcessor(Utf8JsonWriter json)
    {
        json.WriteStartObject("post_processor");
        json.WriteString("type", "TemplateProcessing");
        json.WriteStartArray("single");
        WriteSpecial(json);
        WriteSequence(json, "A", 0);
        json.WriteEndArray();
        json.WriteStartArray("pair");
        WriteSpecial(json);
        WriteSequence(json, "A", 0);
        WriteSequence(json, "B", 1);
        json.WriteEndArray();
        json.WriteStartObject("special_tokens");
        json.WriteStartObject("<bos>");
        json.WriteString("id", "<bos>");
        json.WriteStartArray("ids");
        json.WriteNumberValue(2);
        json.WriteEndArray();
        json.WriteStartArray("tokens");
        json.WriteStringValue("<bos>");
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteSpecial(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteStartObject("SpecialToken");
        json.WriteString("id", "<bos>");
        json.WriteNumber("type_id", 0);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteSequence(Utf8JsonWriter json, string id, int typeId)
    {
        json.WriteStartObject();
        json.WriteStartObject("Sequence");
        json.WriteString("id", id);
        json.WriteNumber("type_id", typeId);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
