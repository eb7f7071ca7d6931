using System.Globalization;
using System.Text.Json;

namespace Geode.Model.Config;

/// <summary>
/// Typed reads from one JSON object of a named file, each failure a <see cref="BadInputException"/>
/// that names the file, the field and what was found.
/// </summary>
internal sealed class JsonFields(JsonElement obj, string file, string prefix = "")
{
    /// <summary>The file the object came from, for messages.</summary>
    public string File { get; } = file;

    /// <summary>The underlying object.</summary>
    public JsonElement Object { get; } = obj;

    /// <summary>True when the field exists and is not null.</summary>
    public bool Has(string name) => Object.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null;

    public int Int(string name)
    {
        JsonElement value = Require(name);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int result))
        {
            throw Wrong(name, "an integer", value);
        }

        return result;
    }

    public int? OptionalInt(string name) => Has(name) ? Int(name) : null;

    public double Double(string name)
    {
        JsonElement value = Require(name);
        if (value.ValueKind != JsonValueKind.Number)
        {
            throw Wrong(name, "a number", value);
        }

        // The parser reads 1e999 as infinity rather than failing; no setting of a model is infinite.
        double result = value.GetDouble();
        if (!double.IsFinite(result))
        {
            throw Wrong(name, "a finite number", value);
        }

        return result;
    }

    public double? OptionalDouble(string name) => Has(name) ? Double(name) : null;

    public bool OptionalBool(string name, bool fallback)
    {
        if (!Has(name))
        {
            return fallback;
        }

        JsonElement value = Object.GetProperty(name);
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Wrong(name, "true or false", value),
        };
    }

    public string String(string name)
    {
        JsonElement value = Require(name);
        if (value.ValueKind != JsonValueKind.String)
        {
            throw Wrong(name, "a string", value);
        }

        return value.GetString()!;
    }

    public string? OptionalString(string name) => Has(name) ? String(name) : null;

    /// <summary>An integer or a list of integers (as <c>eos_token_id</c> may be).</summary>
    public IReadOnlyList<int> IntOrList(string name)
    {
        if (!Has(name))
        {
            return [];
        }

        JsonElement value = Object.GetProperty(name);
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int single))
        {
            return [single];
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            var list = new List<int>();
            foreach (JsonElement item in value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int id))
                {
                    throw Wrong(name, "an integer or a list of integers", value);
                }

                list.Add(id);
            }

            return list;
        }

        throw Wrong(name, "an integer or a list of integers", value);
    }

    public IReadOnlyList<string> StringList(string name)
    {
        JsonElement value = Require(name);
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
        {
            throw Wrong(name, "a list of strings", value);
        }

        return [.. value.EnumerateArray().Select(v => v.GetString()!)];
    }

    /// <summary>A nested object, as its own field reader.</summary>
    public JsonFields Child(string name)
    {
        JsonElement value = Require(name);
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Wrong(name, "an object", value);
        }

        return new JsonFields(value, File, Path(name) + ".");
    }

    public JsonFields? OptionalChild(string name) => Has(name) ? Child(name) : null;

    /// <summary>The names of the object's fields.</summary>
    public IEnumerable<string> Names => Object.EnumerateObject().Select(p => p.Name);

    public BadInputException Error(string name, string message) =>
        new($"{File}: field '{Path(name)}' {message}", File, Path(name));

    private JsonElement Require(string name)
    {
        if (!Object.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            throw new BadInputException($"{File}: required field '{Path(name)}' is missing.", File, Path(name));
        }

        return value;
    }

    private BadInputException Wrong(string name, string expected, JsonElement found)
    {
        string shown = found.GetRawText();
        if (shown.Length > 60)
        {
            shown = string.Concat(shown.AsSpan(0, 57), "...");
        }

        return Error(name, string.Create(CultureInfo.InvariantCulture, $"must be {expected}; found {found.ValueKind.ToString().ToLowerInvariant()} {shown}."));
    }

    private string Path(string name) => prefix + name;

    /// <summary>Parses <paramref name="path"/> as a JSON object.</summary>
    public static JsonFields Load(string path)
    {
        if (!System.IO.File.Exists(path))
        {
            throw new BadInputException($"{path}: file not found.", path);
        }

        using FileStream stream = System.IO.File.OpenRead(path);
        return Parse(stream, path);
    }

    /// <summary>Parses JSON text as an object; <paramref name="source"/> names it in messages.</summary>
    public static JsonFields Parse(string json, string source)
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json));
        return Parse(stream, source);
    }

    private static JsonFields Parse(Stream stream, string path)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new BadInputException($"{path}: expected a JSON object at the top level, found {document.RootElement.ValueKind}.", path);
            }

            if (JsonStrings.FindUnreadable(document.RootElement) is { } unreadable)
            {
                throw new BadInputException($"{path}: cannot be read as text at {unreadable}.", path, unreadable.Path.TrimStart('$').TrimStart('.'));
            }

            return new JsonFields(document.RootElement.Clone(), path);
        }
        catch (JsonException error)
        {
            throw new BadInputException(
                $"{path}: malformed JSON at line {error.LineNumber + 1}, byte {error.BytePositionInLine + 1}: {error.Message.Split('.')[0]}.",
                path,
                inner: error);
        }
    }
}
