using System.Text.Json.Nodes;

namespace Geode.Campaigns.Reporting;

/// <summary>Small builders for the Plotly figure JSON the page draws (trace and layout objects).</summary>
public static class Plot
{
    /// <summary>A chart: <c>kind: plotly</c> with its traces and layout.</summary>
    public static JsonObject Figure(IEnumerable<JsonObject> traces, JsonObject layout) =>
        new() { ["kind"] = "plotly", ["data"] = new JsonArray([.. traces]), ["layout"] = layout };

    /// <summary>A layout with axis titles; <paramref name="extra"/> entries are added as given.</summary>
    public static JsonObject Layout(string xTitle, string yTitle, params (string Key, JsonNode? Value)[] extra)
    {
        var layout = new JsonObject
        {
            ["xaxis"] = new JsonObject { ["title"] = new JsonObject { ["text"] = xTitle }, ["automargin"] = true },
            ["yaxis"] = new JsonObject { ["title"] = new JsonObject { ["text"] = yTitle }, ["automargin"] = true },
            ["margin"] = new JsonObject { ["t"] = 30, ["r"] = 20 },
            ["legend"] = new JsonObject { ["orientation"] = "h", ["y"] = -0.25 },
            ["height"] = 420,
        };
        foreach ((string key, JsonNode? value) in extra)
        {
            layout[key] = value;
        }

        return layout;
    }

    /// <summary>A y axis for refusal rates in percent.</summary>
    public static JsonObject PercentAxis(string title) =>
        new() { ["title"] = new JsonObject { ["text"] = title }, ["range"] = new JsonArray(-5, 105), ["ticksuffix"] = "%", ["automargin"] = true };

    /// <summary>A JSON array of numbers (null for NaN or infinite values).</summary>
    public static JsonArray Numbers(IEnumerable<double> values) =>
        new([.. values.Select(v => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 6)) : null)]);

    /// <summary>A JSON array of strings.</summary>
    public static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);

    /// <summary>A rate in percent from results.json's 0..1 value (NaN for null).</summary>
    public static double Percent(JsonNode? rate) => 100 * Double(rate);

    /// <summary>
    /// A number of results.json as a double, NaN for null. Casting a JsonNode to double works for
    /// parsed JSON but not for a value built in memory from an int, so every figure reads numbers here.
    /// </summary>
    public static double Double(JsonNode? value) =>
        value is null ? double.NaN : double.Parse(value.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);
}
