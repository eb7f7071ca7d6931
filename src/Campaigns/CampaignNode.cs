using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Geode.Campaigns;

/// <summary>
/// A node of a campaign file with its key path (<c>stages.sweeps.alphas[2]</c>) and line, read into
/// typed values. Every problem is recorded in a shared <see cref="CampaignErrors"/> rather than
/// thrown, so one validation pass reports all of them; a read that fails returns the fallback.
/// </summary>
internal sealed class CampaignNode
{
    private readonly YamlNode? _node;

    public CampaignNode(YamlNode? node, string path, CampaignErrors errors, int line)
    {
        _node = node;
        Path = path;
        Errors = errors;
        Line = node is null ? line : (int)node.Start.Line;
    }

    /// <summary>The key path, e.g. <c>stages.cascade.stages[1].name</c>; empty for the document.</summary>
    public string Path { get; }

    /// <summary>The 1-based line of the node (for a missing key, the line of its parent).</summary>
    public int Line { get; }

    public CampaignErrors Errors { get; }

    /// <summary>Whether the key was present (and not an explicit null).</summary>
    public bool Exists => _node is not null && !IsNull(_node);

    /// <summary>The keys of this mapping, each checked against <paramref name="allowed"/>.</summary>
    public IReadOnlyList<string> Keys(IReadOnlyCollection<string> allowed, string what)
    {
        if (!Exists)
        {
            return [];
        }

        if (_node is not YamlMappingNode mapping)
        {
            Error($"expected a mapping ({what}), found {Describe(_node!)}");
            return [];
        }

        var keys = new List<string>();
        foreach ((YamlNode key, YamlNode _) in mapping.Children)
        {
            string name = (key as YamlScalarNode)?.Value ?? string.Empty;
            if (!allowed.Contains(name))
            {
                Errors.Add((int)key.Start.Line, Join(name), $"unknown key '{name}' in {what}; the keys are {string.Join(", ", allowed)}");
                continue;
            }

            keys.Add(name);
        }

        return keys;
    }

    /// <summary>The value under <paramref name="key"/> of this mapping (missing when absent).</summary>
    public CampaignNode this[string key]
    {
        get
        {
            YamlNode? child = null;
            if (_node is YamlMappingNode mapping)
            {
                mapping.Children.TryGetValue(new YamlScalarNode(key), out child);
            }

            return new CampaignNode(child, Join(key), Errors, Line);
        }
    }

    /// <summary>The items of this sequence (a single scalar counts as a one-item list).</summary>
    public IReadOnlyList<CampaignNode> Items()
    {
        if (!Exists)
        {
            return [];
        }

        return _node switch
        {
            YamlSequenceNode sequence => [.. sequence.Children.Select((item, i) => new CampaignNode(item, $"{Path}[{i}]", Errors, Line))],
            YamlScalarNode => [this],
            _ => Fail<IReadOnlyList<CampaignNode>>("expected a list", []),
        };
    }

    public string? String(string? fallback = null)
    {
        if (!Exists)
        {
            return fallback;
        }

        return _node is YamlScalarNode scalar ? scalar.Value : Fail("expected a text value", fallback);
    }

    /// <summary>The value, which must be present.</summary>
    public string RequiredString(string what)
    {
        if (!Exists)
        {
            Error($"missing: {what}");
            return string.Empty;
        }

        return String() ?? string.Empty;
    }

    public int Int(int fallback, int minimum)
    {
        if (!Exists)
        {
            return fallback;
        }

        if (Scalar() is string text && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
        {
            return value >= minimum ? value : Fail($"must be at least {minimum}, found {value}", fallback);
        }

        return Fail("expected a whole number", fallback);
    }

    public double Double(double fallback, double minimum, double maximum)
    {
        if (!Exists)
        {
            return fallback;
        }

        if (Scalar() is string text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value))
        {
            return value >= minimum && value <= maximum
                ? value
                : Fail(string.Create(CultureInfo.InvariantCulture, $"must be in [{minimum}, {maximum}], found {value}"), fallback);
        }

        return Fail("expected a number", fallback);
    }

    public bool Bool(bool fallback)
    {
        if (!Exists)
        {
            return fallback;
        }

        return Scalar() switch
        {
            "true" or "True" or "yes" => true,
            "false" or "False" or "no" => false,
            _ => Fail("expected true or false", fallback),
        };
    }

    /// <summary>One of <paramref name="choices"/>.</summary>
    public string Choice(string fallback, IReadOnlyCollection<string> choices)
    {
        string? value = String();
        if (value is null)
        {
            return fallback;
        }

        return choices.Contains(value) ? value : Fail($"'{value}' is not one of {string.Join(", ", choices)}", fallback);
    }

    public void Error(string message) => Errors.Add(Line, Path, message);

    private T Fail<T>(string message, T fallback)
    {
        Error($"{message}{(_node is null ? string.Empty : $" (found {Describe(_node)})")}");
        return fallback;
    }

    private string? Scalar() => _node is YamlScalarNode scalar ? scalar.Value : null;

    private string Join(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode scalar => $"'{scalar.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => node.NodeType.ToString(),
    };
}
