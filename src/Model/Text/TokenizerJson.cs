using System.Text.Encodings.Web;
using System.Text.Json;

namespace Geode.Model.Text;

/// <summary>
/// What Geode reads from a Hugging Face <c>tokenizer.json</c> itself, because the native wrapper
/// exposes neither the vocabulary nor a switch for special tokens.
/// </summary>
internal static class TokenizerJson
{
    /// <summary>Reads the token-to-id map: the model's vocabulary, then the added tokens over it.</summary>
    /// <param name="root">The parsed file.</param>
    /// <param name="path">The file, for error messages.</param>
    public static TokenizerVocabulary ReadVocabulary(JsonElement root, string path)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Bad(path, "(root)", $"the top level is a JSON {Kind(root)}, not an object");
        }

        if (!root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.Object)
        {
            throw Bad(path, "model", "the 'model' object is missing");
        }

        if (!model.TryGetProperty("vocab", out JsonElement vocab))
        {
            throw Bad(path, "model.vocab", "'model.vocab' is missing");
        }

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        int size = 0;

        // What the engine's get_vocab_size() says: the number of entries, which decides added tokens' ids.
        int modelSize;
        switch (vocab.ValueKind)
        {
            // BPE, WordPiece and WordLevel: {"token": id, ...}.
            case JsonValueKind.Object:
                foreach (JsonProperty entry in vocab.EnumerateObject())
                {
                    // int.MaxValue itself is out: the vocabulary size, one past the largest id, must be an int too.
                    if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id is < 0 or int.MaxValue)
                    {
                        throw Bad(path, "model.vocab", $"the id of '{entry.Name}' is {entry.Value.GetRawText()}, not an integer from 0 to {int.MaxValue - 1}");
                    }

                    ids[entry.Name] = id;
                    size = Math.Max(size, id + 1);
                }

                modelSize = ids.Count;
                break;

            // Unigram: [["token", score], ...], the id being the position.
            case JsonValueKind.Array:
                int index = 0;
                foreach (JsonElement entry in vocab.EnumerateArray())
                {
                    if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() == 0 || entry[0].ValueKind != JsonValueKind.String)
                    {
                        throw Bad(path, "model.vocab", $"entry {index} is {entry.GetRawText()}, not [\"token\", score]");
                    }

                    ids[entry[0].GetString()!] = index;
                    index++;
                }

                size = index;
                modelSize = index;
                break;

            default:
                throw Bad(path, "model.vocab", $"'model.vocab' is a JSON {Kind(vocab)}, not an object or an array");
        }

        int maxAdded = -1;
        var special = new HashSet<int>();
        if (root.TryGetProperty("added_tokens", out JsonElement added) && added.ValueKind == JsonValueKind.Array)
        {
            int index = 0;
            foreach (JsonElement token in added.EnumerateArray())
            {
                if (token.ValueKind != JsonValueKind.Object
                    || !token.TryGetProperty("id", out JsonElement idElement)
                    || idElement.ValueKind != JsonValueKind.Number || !idElement.TryGetInt32(out int id) || id is < 0 or int.MaxValue
                    || !token.TryGetProperty("content", out JsonElement content) || content.ValueKind != JsonValueKind.String)
                {
                    throw Bad(path, "added_tokens", $"entry {index} is not an object with an 'id' and a 'content'");
                }

                // The engine does not take the file's id: it gives an added token the id its content
                // already has, else the next one after the model's vocabulary and the added tokens so
                // far. A file where the two differ would make TokenToId disagree with Encode.
                string text = content.GetString()!;
                int assigned = ids.TryGetValue(text, out int known)
                    ? known
                    : maxAdded >= modelSize || modelSize == 0 ? maxAdded + 1 : modelSize;
                if (assigned != id)
                {
                    throw Bad(path, "added_tokens", $"added token '{text}' says id {id}, but the tokenizers engine gives it id {assigned}");
                }

                maxAdded = Math.Max(maxAdded, id);

                // The tokenizers library looks added tokens up before the model's vocabulary.
                ids[text] = id;
                size = Math.Max(size, id + 1);
                if (token.TryGetProperty("special", out JsonElement flag) && flag.ValueKind == JsonValueKind.True)
                {
                    special.Add(id);
                }

                index++;
            }
        }

        return new TokenizerVocabulary(ids, special, size);
    }

    /// <summary>
    /// Writes a copy of the file whose tokenizer encodes without adding special tokens (no
    /// post-processor) and decodes without dropping any (no added token flagged special). The
    /// native wrapper always encodes with <c>add_special_tokens=true</c> and decodes with
    /// <c>skip_special_tokens=true</c>; on this copy those flags become no-ops, which is exactly
    /// the <c>false</c> behaviour. Splitting text on added tokens does not depend on the flag.
    /// </summary>
    public static void WriteVerbatimCopy(JsonElement root, Stream output)
    {
        // Relaxed escaping keeps non-ASCII tokens as UTF-8 instead of \uXXXX; the copy is only read by the engine.
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
        writer.WriteStartObject();
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (property.NameEquals("post_processor"))
            {
                writer.WriteNull(property.Name);
            }
            else if (property.NameEquals("added_tokens") && property.Value.ValueKind == JsonValueKind.Array)
            {
                writer.WriteStartArray(property.Name);
                foreach (JsonElement token in property.Value.EnumerateArray())
                {
                    WriteNotSpecial(token, writer);
                }

                writer.WriteEndArray();
            }
            else
            {
                property.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteNotSpecial(JsonElement token, Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        foreach (JsonProperty field in token.EnumerateObject())
        {
            if (field.NameEquals("special"))
            {
                writer.WriteBoolean(field.Name, false);
            }
            else
            {
                field.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();

    private static BadInputException Bad(string path, string field, string problem) =>
        new($"{path}: {problem}; a Hugging Face tokenizer.json is needed.", path, field);
}
