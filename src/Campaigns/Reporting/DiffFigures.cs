using System.Globalization;
using System.Text.Json.Nodes;
using Geode.Campaigns.Execution;
using Geode.Model;

namespace Geode.Campaigns.Reporting;

/// <summary>
/// Weight-diff spectra: for each fork the diff stage compared, the singular values of ΔW of every
/// changed matrix (largest first), the signature of a low-rank edit such as abliteration.
/// </summary>
public static class DiffFigures
{
    /// <summary>At most this many changed matrices per fork are drawn, the largest ‖ΔW‖ first.</summary>
    public const int MaxTensors = 24;

    /// <summary>One spectrum chart per fork, when the campaign ran a diff and its diff JSON is in the output folder.</summary>
    /// <exception cref="BadInputException">A fork's diff JSON is malformed; the message names it.</exception>
    public static IEnumerable<ReportFigure> Build(ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Results["diff"] is not JsonArray forks)
        {
            yield break;
        }

        int index = 0;
        int position = -1;
        foreach (JsonNode? fork in forks)
        {
            position++;
            // The diff stage writes each fork's diff JSON beside results.json and records its bare
            // file name; any other path is not followed, so results.json cannot make the report read elsewhere.
            string name = (string)fork!["diff_json"]!;
            if (name.Length == 0 || name.Contains('\0', StringComparison.Ordinal) || name is "." or ".." || Path.GetFileName(name) != name)
            {
                yield return Missing(index++, fork, $"results.json's diff_json \"{name}\" is not a file name in the output folder, so it was not read");
                continue;
            }

            string file = Path.Combine(context.OutDir, name);
            if (!File.Exists(file))
            {
                continue;
            }

            ReportFigure spectra;
            try
            {
                spectra = Spectra(CampaignResults.Read(file), file, fork, index++);
            }
            catch (BadInputException e)
            {
                // The file may be another artifact that results.json was edited to name: say how it was reached.
                string results = Path.Combine(context.OutDir, ReportFolder.ResultsFileName);
                throw new BadInputException($"{e.Message} ({results} names it as diff[{position}].diff_json, the weight diff of fork {fork["fork"]}.)", e.Source, e.Field, e);
            }

            yield return spectra;
        }
    }

    private static ReportFigure Spectra(JsonNode diff, string file, JsonNode fork, int index)
    {
        if (diff is not JsonArray tensors)
        {
            throw new BadInputException($"{file}: expected a JSON array with one object per tensor, as the diff stage writes.", file, "diff");
        }

        try
        {
            List<JsonNode> changed = [.. tensors.Where(t => t!["spectrum"] is JsonArray { Count: > 0 }).Select(t => t!)
                .OrderByDescending(t => Plot.Double(t["delta_norm"])).Take(MaxTensors)];
            var traces = changed.Select(t =>
            {
                JsonArray spectrum = t["spectrum"]!.AsArray();
                return new JsonObject
                {
                    ["type"] = "scatter", ["mode"] = "lines+markers", ["name"] = (string)t["name"]!,
                    ["x"] = Plot.Numbers(Enumerable.Range(1, spectrum.Count).Select(i => (double)i)),
                    ["y"] = Plot.Numbers(spectrum.Select(v => Plot.Double(v))),
                    ["hovertemplate"] = "σ%{x} = %{y:.4g}<extra>%{fullData.name}</extra>",
                };
            }).ToList();
            int total = tensors.Count(t => (bool?)t!["changed"] == true);
            JsonObject layout = Plot.Layout("singular value index", "σ of ΔW", ("height", 460));
            layout["yaxis"]!["type"] = "log";
            layout["legend"] = new JsonObject { ["font"] = new JsonObject { ["size"] = 9 } };
            return new ReportFigure(
                string.Create(CultureInfo.InvariantCulture, $"diff-spectra-{index}"),
                "Weight diff",
                $"Spectra of ΔW: {fork["fork"]}",
                string.Create(CultureInfo.InvariantCulture, $"Singular values of ΔW = W_fork − W_base for the {changed.Count} largest of the {total} changed matrices of {fork["fork"]} (log scale). One dominant σ per matrix is a rank-1 edit such as directional ablation; a flat spectrum is fine-tuning. Weights only: no prompts, no generation."),
                Plot.Figure(traces, layout));
        }
        catch (Exception e) when (ReportFolder.IsShapeError(e))
        {
            throw new BadInputException($"{file}: a tensor entry is missing a field or has one of the wrong type ({e.Message}).", file, "diff", e);
        }
    }

    private static ReportFigure Missing(int index, JsonNode fork, string why) => new(
        string.Create(CultureInfo.InvariantCulture, $"diff-missing-{index}"),
        "Weight diff",
        $"Spectra of ΔW: {fork["fork"]}",
        $"Not drawn: {why}.",
        null,
        $"<p class=\"missing\">The spectra need the fork's diff JSON; {System.Net.WebUtility.HtmlEncode(why)}.</p>");
}
