using System.Text.Json;
using System.Text.Json.Nodes;
using Geode.Model.Files;

namespace Geode.Campaigns.Execution;

/// <summary>
/// The campaign's output folder layout and <c>results.json</c> (DESIGN §4): each finished stage
/// leaves <c>stages/STAGE.json</c>; the final document gathers them under their stage names, with
/// the campaign, its provenance and the stage timings.
/// </summary>
public static class CampaignResults
{
    /// <summary>The indentation and escaping every Geode JSON file uses.</summary>
    public static JsonSerializerOptions Format { get; } = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Where a finished stage's fragment lives.</summary>
    public static string StageFile(string outDir, string stage) => Path.Combine(outDir, "stages", $"{stage}.json");

    /// <summary>Where one trial's fragment lives until its stage finishes.</summary>
    public static string TrialFile(string outDir, string stage, string round, int index) => Path.Combine(outDir, "stages", stage, $"{round}-{index:D4}.json");

    /// <summary>Writes <paramref name="json"/> to <paramref name="path"/> atomically (<see cref="AtomicFile"/>: a failed write leaves the previous file, a retried one replaces it whole).</summary>
    public static void WriteAtomically(string path, JsonNode json)
    {
        ArgumentNullException.ThrowIfNull(json);
        AtomicFile.WriteAllText(path, json.ToJsonString(Format));
    }

    /// <summary>Reads a JSON file written by <see cref="WriteAtomically"/>.</summary>
    public static JsonNode Read(string path) => JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty.");

    /// <summary>The document: campaign, provenance, every stage's fragment, timings.</summary>
    public static JsonObject Assemble(CampaignWorkspace workspace, string id, string outDir, IReadOnlyList<string> stages, JsonObject provenance, IReadOnlyDictionary<string, double> seconds)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        Campaign campaign = workspace.Campaign;
        var results = new JsonObject
        {
            ["campaign"] = new JsonObject
            {
                ["id"] = id,
                ["name"] = campaign.Name,
                ["file"] = campaign.File,
                ["stages"] = new JsonArray([.. stages.Select(s => (JsonNode?)JsonValue.Create(s))]),
            },
            ["provenance"] = provenance,
        };
        foreach (string stage in stages)
        {
            results[stage] = Read(StageFile(outDir, stage));
        }

        results["timings"] = new JsonObject([.. seconds.Select(s => new KeyValuePair<string, JsonNode?>(s.Key, ResultsJson.Number(s.Value)))]);
        return results;
    }
}
