using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace Geode.Model;

/// <summary>A string or key of a parsed JSON document that .NET cannot read, and where it is.</summary>
/// <param name="Path">The JSON path of the string, or of the object whose key it is (<c>$.model.vocab</c>).</param>
/// <param name="Reason">What is wrong with it, as a sentence fragment.</param>
internal sealed record JsonStringProblem(string Path, string Reason)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Path}: {Reason}";
}

/// <summary>
/// Finds strings that <see cref="JsonDocument"/> accepts when it parses but cannot turn into .NET
/// strings: a <c>\u</c> escape of an unpaired UTF-16 surrogate (<c>"\ud800"</c>), or bytes that are
/// not UTF-8 inside quotes. Reading one (a key, <c>GetString</c>, even <c>GetRawText</c>) throws
/// <see cref="InvalidOperationException"/> wherever the loader happens to touch it; loaders call
/// <see cref="FindUnreadable"/> once, right after parsing, so such a file is refused as bad input
/// that names the place instead.
/// </summary>
internal static class JsonStrings
{
    /// <summary>The first unreadable string or key, depth first, or null when every one can be read.</summary>
    /// <param name="root">A parsed document's root; recursion is bounded by the document's nesting depth (64 by default).</param>
    public static JsonStringProblem? FindUnreadable(JsonElement root)
    {
        string? reason = Find(root, out string path);
        return reason is null ? null : new JsonStringProblem("$" + path, reason);
    }

    /// <summary>The reason the first unreadable string in <paramref name="element"/> is unreadable, and its path below it.</summary>
    /// <remarks>The path is built only on the way back from a problem, so a clean document costs no allocation.</remarks>
    private static string? Find(JsonElement element, out string path)
    {
        path = string.Empty;
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return Check(JsonMarshal.GetRawUtf8Value(element), element, "the string");

            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    if (Check(JsonMarshal.GetRawUtf8PropertyName(property), property, "a key") is string badKey)
                    {
                        return badKey;
                    }

                    if (Find(property.Value, out string below) is string bad)
                    {
                        path = $".{property.Name}{below}";
                        return bad;
                    }
                }

                return null;

            case JsonValueKind.Array:
                int index = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (Find(item, out string below) is string bad)
                    {
                        path = $"[{index}]{below}";
                        return bad;
                    }

                    index++;
                }

                return null;

            default:
                return null;
        }
    }

    private static string? Check(ReadOnlySpan<byte> raw, JsonElement value, string what) =>
        !Utf8.IsValid(raw) ? NotUtf8(what)
        : raw.Contains((byte)'\\') && !Decodes(value) ? Unpaired(what)
        : null;

    private static string? Check(ReadOnlySpan<byte> raw, JsonProperty property, string what) =>
        !Utf8.IsValid(raw) ? NotUtf8(what)
        : raw.Contains((byte)'\\') && !Decodes(property) ? Unpaired(what)
        : null;

    private static string NotUtf8(string what) => $"{what} is not valid UTF-8";

    private static string Unpaired(string what) => $"{what} holds a \\u escape of an unpaired UTF-16 surrogate, which no text can contain";

    // Only escaped strings get this far, so clean ones are never copied.
    private static bool Decodes(JsonElement value)
    {
        try
        {
            _ = value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool Decodes(JsonProperty property)
    {
        try
        {
            _ = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
