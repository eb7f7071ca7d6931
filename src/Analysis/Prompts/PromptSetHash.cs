using System.Security.Cryptography;
using System.Text.Json;

namespace Geode.Analysis.Prompts;

/// <summary>
/// The content hash of a prompt set: SHA-256 of a canonical serialisation, so the same prompts
/// give the same hash whatever file format, key order, whitespace or record order they came in,
/// and any change to a prompt, label, category or variant gives another.
/// </summary>
/// <remarks>
/// Canonical form: compact UTF-8 JSON (System.Text.Json's default escaping), the records sorted
/// by id (ordinal), each an array <c>[id, category, "comply"|"refuse", prompt, [variants…]]</c>,
/// inside <c>{"format":"geode-prompt-set","version":1,"prompts":[…]}</c>. Records are sorted
/// because results are keyed by id, so file order is not content. The source name is left out.
/// Changing this form changes every recorded hash: bump the version when you do.
/// </remarks>
internal static class PromptSetHash
{
    public static string Compute(IEnumerable<PromptRecord> records)
    {
        using MemoryStream buffer = new();
        using (Utf8JsonWriter writer = new(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("format", "geode-prompt-set");
            writer.WriteNumber("version", 1);
            writer.WriteStartArray("prompts");
            foreach (PromptRecord record in records.OrderBy(r => r.Id, StringComparer.Ordinal))
            {
                writer.WriteStartArray();
                writer.WriteStringValue(record.Id);
                writer.WriteStringValue(record.Category);
                writer.WriteStringValue(PromptSet.Label(record.Expected));
                writer.WriteStringValue(record.Prompt);
                writer.WriteStartArray();
                foreach (string variant in record.Variants)
                {
                    writer.WriteStringValue(variant);
                }

                writer.WriteEndArray();
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }
}
