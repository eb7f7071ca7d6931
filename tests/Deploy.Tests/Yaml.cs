using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Geode.Deploy.Tests;

/// <summary>
/// YAML as plain values: mappings become ordered dictionaries, sequences lists, quoted scalars
/// strings, and plain scalars that YAML reads as numbers, booleans or null become those (so a
/// manifest's unquoted <c>9464</c> in a string list can be told from <c>"9464"</c>).
/// </summary>
internal static partial class Yaml
{
    /// <summary>Every document of a (multi-document) YAML text; empty documents are left out.</summary>
    public static List<object?> LoadAll(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Select(d => Convert(d.RootNode)).Where(d => d is not null).ToList();
    }

    /// <summary>The one document of a YAML text.</summary>
    public static object? Load(string text) => LoadAll(text).SingleOrDefault();

    /// <summary>The value at <paramref name="path"/> (mapping keys), or null where any step is missing.</summary>
    public static object? At(object? node, params string[] path)
    {
        foreach (string key in path)
        {
            if (node is not Dictionary<string, object?> map || !map.TryGetValue(key, out node))
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>The mapping at <paramref name="path"/>, empty when absent.</summary>
    public static Dictionary<string, object?> Map(object? node, params string[] path) =>
        At(node, path) as Dictionary<string, object?> ?? new Dictionary<string, object?>();

    /// <summary>The sequence at <paramref name="path"/>, empty when absent.</summary>
    public static List<object?> Seq(object? node, params string[] path) => At(node, path) as List<object?> ?? new List<object?>();

    /// <summary>The scalar at <paramref name="path"/> as text (numbers invariant, booleans lower case), or null.</summary>
    public static string? Str(object? node, params string[] path) => Text(At(node, path));

    /// <summary>A scalar as text, or null for a non-scalar or null.</summary>
    public static string? Text(object? value) => value switch
    {
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => null,
    };

    /// <summary>A mapping of scalars as text (labels, selectors).</summary>
    public static Dictionary<string, string> Labels(object? node, params string[] path) =>
        Map(node, path).Where(p => Text(p.Value) is not null).ToDictionary(p => p.Key, p => Text(p.Value)!);

    private static object? Convert(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var map = new Dictionary<string, object?>();
                foreach (KeyValuePair<YamlNode, YamlNode> entry in mapping.Children)
                {
                    map[((YamlScalarNode)entry.Key).Value ?? string.Empty] = Convert(entry.Value);
                }

                return map;
            case YamlSequenceNode sequence:
                return sequence.Children.Select(Convert).ToList();
            case YamlScalarNode scalar:
                string text = scalar.Value ?? string.Empty;
                if (scalar.Style != YamlDotNet.Core.ScalarStyle.Plain)
                {
                    return text;
                }

                if (text is "" or "~" or "null" or "Null" or "NULL")
                {
                    return null;
                }

                if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
                {
                    return text.Equals("true", StringComparison.OrdinalIgnoreCase);
                }

                if (IntegerPattern().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer))
                {
                    return integer;
                }

                if (FloatPattern().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
                {
                    return number;
                }

                return text;
            default:
                return null;
        }
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
