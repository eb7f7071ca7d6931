using System.Text.Json;

using Geode.Model;

namespace Geode.Analysis.Prompts;

/// <summary>Reads the study's JSON format and JSONL into <see cref="RawRecord"/>s.</summary>
internal static class JsonPromptReader
{
    /// <summary>
    /// <c>{"prompts":[…]}</c> or a bare array. Records are located by index (1-based) because a
    /// parsed document keeps no line numbers; the builder adds the id.
    /// </summary>
    public static List<RawRecord> ReadJson(string text, string source)
    {
        using JsonDocument document = Parse(text, source, line: null);
        JsonElement root = document.RootElement;
        JsonElement array = root;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("prompts", out JsonElement prompts))
        {
            array = prompts;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw new BadInputException(
                $"{source}: expected {{\"prompts\": [ … ]}} or an array of records, found {Describe(root)}.", source, "prompts");
        }

        List<RawRecord> records = [];
        int index = 0;
        foreach (JsonElement element in array.EnumerateArray())
        {
            index++;
            records.Add(ToRecord(element, $"{source}: record {index}", source));
        }

        return records;
    }

    /// <summary>One object per line; blank lines are skipped, records located by line number.</summary>
    public static List<RawRecord> ReadJsonl(string text, string source)
    {
        List<RawRecord> records = [];
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (i == 0)
            {
                line = line.TrimStart('\uFEFF');
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using JsonDocument document = Parse(line, source, i + 1);
            records.Add(ToRecord(document.RootElement, $"{source}:{i + 1}", source));
        }

        return records;
    }

    private static JsonDocument Parse(string text, string source, int? line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            // JsonException counts lines from 0; within one JSONL line its count is 0.
            long at = line ?? (e.LineNumber ?? 0) + 1;
            throw new BadInputException($"{source}:{at}: not valid JSON: {e.Message}", source, inner: e);
        }

        if (JsonStrings.FindUnreadable(document.RootElement) is { } unreadable)
        {
            document.Dispose();
            string where = line is null ? source : $"{source}:{line}";
            throw new BadInputException($"{where}: cannot be read as text at {unreadable}.", source, unreadable.Path);
        }

        return document;
    }

    private static RawRecord ToRecord(JsonElement element, string location, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new BadInputException($"{location}: a record must be a JSON object, found {Describe(element)}.", source);
        }

        Dictionary<string, RawField> fields = new(StringComparer.Ordinal);
        foreach (JsonProperty property in element.EnumerateObject())
        {
            JsonElement value = property.Value;
            switch (value.ValueKind)
            {
                case JsonValueKind.Null:
                    break;
                case JsonValueKind.String:
                    fields[property.Name] = RawField.Of(value.GetString()!);
                    break;
                case JsonValueKind.Number:
                    // Numeric ids are common in user files; keep the number as written.
                    fields[property.Name] = RawField.Of(value.GetRawText());
                    break;
                case JsonValueKind.Array:
                    fields[property.Name] = RawField.Of(StringItems(value, property.Name, location, source));
                    break;
                default:
                    throw new BadInputException(
                        $"{location}: field \"{property.Name}\" is {Describe(value)}; expected a string, a number or an array of strings.",
                        source,
                        property.Name);
            }
        }

        return new RawRecord(location, fields);
    }

    private static List<string> StringItems(JsonElement array, string name, string location, string source)
    {
        List<string> items = [];
        int index = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            index++;
            if (item.ValueKind != JsonValueKind.String)
            {
                throw new BadInputException(
                    $"{location}: item {index} of field \"{name}\" is {Describe(item)}; expected a string.", source, name);
            }

            items.Add(item.GetString()!);
        }

        return items;
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
