using System.Text.RegularExpressions;

namespace Geode.Client.Tests.Monitoring;

/// <summary>
/// The metric names a PromQL expression (as Grafana stores it, with <c>$variables</c>) reads:
/// what must exist in a scrape for the query to show anything.
/// </summary>
internal static partial class PromQl
{
    // Words that are operators or modifiers, never metric names (PromQL keywords are case-insensitive).
    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "and", "or", "unless", "bool", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "atan2", "inf", "nan",
    };

    /// <summary>The metric names in <paramref name="expression"/>, e.g. <c>rate(x_total{a="b"}[5m])</c> → <c>x_total</c>.</summary>
    public static IReadOnlySet<string> MetricNames(string expression)
    {
        // Order matters: strings may hold braces or $, and label lists after by/on are not metrics.
        string text = StringLiteral().Replace(expression, "\"\"");
        text = GrafanaVariable().Replace(text, string.Empty);
        text = LabelMatchers().Replace(text, " ");
        text = RangeOrSubquery().Replace(text, " ");
        text = GroupingLabels().Replace(text, " ");
        text = OffsetModifier().Replace(text, " ");
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Match token in Token().Matches(text))
        {
            if (token.Groups["name"].Success && !token.Groups["call"].Success && !Keywords.Contains(token.Groups["name"].Value))
            {
                names.Add(token.Groups["name"].Value);
            }
        }

        return names;
    }

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|'(?:[^'\\]|\\.)*'|`[^`]*`")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex GrafanaVariable();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex RangeOrSubquery();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", RegexOptions.IgnoreCase)]
    private static partial Regex GroupingLabels();

    [GeneratedRegex(@"\boffset\s+-?[0-9A-Za-z_]+", RegexOptions.IgnoreCase)]
    private static partial Regex OffsetModifier();

    // Numbers first, so the exponent of 1e3 or a hex literal is not read as a name; a name directly
    // followed by "(" is a function or aggregation.
    [GeneratedRegex(@"(?<number>0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)|(?<name>[A-Za-z_:][A-Za-z0-9_:]*)(?<call>\s*\()?")]
    private static partial Regex Token();
}
