using System.Text.Json;
using Geode.Model;

namespace Geode.Client;

/// <summary>
/// Reads a JSON-lines file of <c>{"id","prompt","response"}</c> objects. The whole file is read
/// and checked before anything is judged, so a bad line 900 fails before any output, and the
/// message names the file, the line and the field.
/// </summary>
internal static class ResponseFile
{
    public static IReadOnlyList<ResponseLine> Read(string path, string flag)
    {
        if (!File.Exists(path))
        {
            throw new BadInputException(
                Directory.Exists(path) ? $"{flag} {path}: is a folder; expected a JSON-lines file." : $"{flag} {path}: no such file.",
                flag);
        }

        var lines = new List<ResponseLine>();
        var firstLineOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        int number = 0;
        foreach (string text in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            ResponseLine line = Parse(path, number, text);
            if (firstLineOfId.TryGetValue(line.Id, out int first))
            {
                throw new BadInputException($"{path}:{number}: field \"id\" repeats \"{line.Id}\" from line {first}; ids must be unique.", path, "id");
            }

            firstLineOfId[line.Id] = number;
            lines.Add(line);
        }

        if (lines.Count == 0)
        {
            throw new BadInputException($"{path}: no responses; expected one {{\"id\",\"prompt\",\"response\"}} object per line.", path);
        }

        return lines;
    }

    private static ResponseLine Parse(string path, int number, string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException invalid)
        {
            throw new BadInputException($"{path}:{number}: not valid JSON ({invalid.Message}).", path, $"line {number}", invalid);
        }

        using (document)
        {
            JsonElement root = document.RootElement;

            // An unpaired surrogate escape would throw wherever the id, prompt or response is read.
            if (JsonStrings.FindUnreadable(root) is { } unreadable)
            {
                throw new BadInputException($"{path}:{number}: cannot be read as text at {unreadable}.", path, $"line {number}");
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new BadInputException($"{path}:{number}: expected a JSON object with \"id\", \"prompt\" and \"response\"; got {Kind(root)}.", path, $"line {number}");
            }

            return new ResponseLine(number, Id(path, number, root), Text(path, number, root, "prompt"), Text(path, number, root, "response"));
        }
    }

    // Ids may be strings or integers: prompt sets number their prompts as often as they name them.
    private static string Id(string path, int number, JsonElement root)
    {
        JsonElement id = Field(path, number, root, "id");
        return id.ValueKind switch
        {
            JsonValueKind.String when id.GetString()!.Length > 0 => id.GetString()!,
            JsonValueKind.Number when id.TryGetInt64(out long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => throw new BadInputException($"{path}:{number}: field \"id\" must be a non-empty string or an integer; got {Kind(id)}.", path, "id"),
        };
    }

    private static string Text(string path, int number, JsonElement root, string name)
    {
        JsonElement value = Field(path, number, root, name);
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new BadInputException($"{path}:{number}: field \"{name}\" must be a string; got {Kind(value)}.", path, name);
    }

    private static JsonElement Field(string path, int number, JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value)
            ? value
            : throw new BadInputException($"{path}:{number}: field \"{name}\" is missing.", path, name);

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => element.ValueKind.ToString(),
    };
}
