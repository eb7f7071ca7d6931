using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Geode.Campaigns.Reporting;

/// <summary>The provenance table: campaign, model, prompts, judges, generation, code, runtime and stage timings.</summary>
public static class ProvenanceFigures
{
    /// <summary>The table (always present: every results.json has a campaign block).</summary>
    public static IEnumerable<ReportFigure> Build(ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var html = new StringBuilder("<table class=\"provenance\"><tbody>");
        void Row(string name, JsonNode? value)
        {
            string text = value switch
            {
                null => "–",
                JsonValue v => v.ToString(),
                _ => value.ToJsonString(),
            };
            html.Append("<tr><th>").Append(WebUtility.HtmlEncode(name)).Append("</th><td>").Append(WebUtility.HtmlEncode(text)).Append("</td></tr>");
        }

        JsonNode? campaign = context.Results["campaign"];
        Row("campaign", campaign?["name"]);
        Row("id", campaign?["id"]);
        Row("campaign file", campaign?["file"]);
        Row("stages", campaign?["stages"] is JsonArray stages ? string.Join(", ", stages.Select(s => (string?)s)) : null);
        foreach ((string key, JsonNode? value) in context.Results["provenance"] as JsonObject ?? new JsonObject())
        {
            if (value is JsonObject group)
            {
                foreach ((string inner, JsonNode? field) in group)
                {
                    Row($"{key} {inner}", field);
                }
            }
            else if (value is JsonArray list && key == "judges")
            {
                Row(key, string.Join(", ", list.Select(j => $"{j!["name"]} {j["version"]}")));
            }
            else
            {
                Row(key, value);
            }
        }

        foreach ((string stage, JsonNode? seconds) in context.Results["timings"] as JsonObject ?? new JsonObject())
        {
            Row($"time: {stage}", seconds is null ? null : $"{seconds} s");
        }

        html.Append("</tbody></table>");
        yield return new ReportFigure(
            "provenance",
            "Provenance",
            "Provenance",
            "What identifies this result: the model and prompt set by SHA-256, the judges and their versions, the seed, the generation settings, the code version and the runtime, and how long each stage took.",
            null,
            html.ToString());
    }
}
