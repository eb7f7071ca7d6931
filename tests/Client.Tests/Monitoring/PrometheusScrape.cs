using System.Globalization;
using System.Text;

namespace Geode.Client.Tests.Monitoring;

/// <summary>A parsed <c>/metrics</c> response (Prometheus text exposition format 0.0.4).</summary>
internal sealed class PrometheusScrape
{
    private PrometheusScrape(IReadOnlyList<PrometheusSample> samples) => Samples = samples;

    /// <summary>Every sample, in order.</summary>
    public IReadOnlyList<PrometheusSample> Samples { get; }

    /// <summary>The distinct sample names: what a PromQL selector can match.</summary>
    public IReadOnlySet<string> Names => Samples.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>The sum of every sample named <paramref name="name"/> whose labels include <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out string? v) && v == l.Value)).Sum(s => s.Value);

    /// <summary>Parses <paramref name="text"/>; comment lines (# HELP, # TYPE, # EOF) are skipped.</summary>
    public static PrometheusScrape Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            int i = 0;
            while (i < line.Length && line[i] != '{' && line[i] != ' ')
            {
                i++;
            }

            string name = line[..i];
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (i < line.Length && line[i] == '{')
            {
                i = ReadLabels(line, i + 1, labels);
            }

            string[] rest = line[i..].Trim().Split(' ');
            samples.Add(new PrometheusSample(name, labels, ParseValue(rest[0])));
        }

        return new PrometheusScrape(samples);
    }

    private static int ReadLabels(string line, int i, Dictionary<string, string> labels)
    {
        while (line[i] != '}')
        {
            int eq = line.IndexOf('=', i);
            string key = line[i..eq].Trim().TrimStart(',').Trim();
            i = eq + 2; // past ="
            var value = new StringBuilder();
            while (line[i] != '"')
            {
                if (line[i] == '\\')
                {
                    i++;
                    value.Append(line[i] == 'n' ? '\n' : line[i]);
                }
                else
                {
                    value.Append(line[i]);
                }

                i++;
            }

            labels[key] = value.ToString();
            i++;
            while (line[i] == ',' || line[i] == ' ')
            {
                i++;
            }
        }

        return i + 1;
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
