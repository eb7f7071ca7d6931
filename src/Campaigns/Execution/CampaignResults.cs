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

    /// <summary>
    /// Reads a JSON file written by <see cref="WriteAtomically"/> (or another Geode JSON artifact),
    /// refusing what Geode never writes and a reader could not use: invalid JSON, nesting past 64,
    /// a key repeated in one object (a <see cref="JsonObject"/> would throw when first read),
    /// a string holding an unpaired surrogate escape, or a bare <c>null</c>.
    /// </summary>
    /// <exception cref="Geode.Model.BadInputException">The file is not such a document; the message names it.</exception>
    public static JsonNode Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new Geode.Model.BadInputException($"{path}: not valid JSON ({e.Message}).", path, $"line {e.LineNumber + 1}", e);
        }
        catch (InvalidOperationException) when (FindUnreadable(bytes) is { } unreadable)
        {
            // The duplicate check decodes every key and throws on one that is not text; this names it.
            throw Unreadable(path, unreadable);
        }

        using (document)
        {
            if (Geode.Model.JsonStrings.FindUnreadable(document.RootElement) is { } unreadable)
            {
                throw Unreadable(path, unreadable);
            }

            // A clone outlives the document; the node reads it lazily, with no second parse.
            JsonElement root = document.RootElement.Clone();
            return root.ValueKind switch
            {
                JsonValueKind.Object => JsonObject.Create(root)!,
                JsonValueKind.Array => JsonArray.Create(root)!,
                JsonValueKind.Null => throw new Geode.Model.BadInputException($"{path}: is null; expected a JSON document.", path),
                _ => JsonValue.Create(root)!,
            };
        }
    }

    private static Geode.Model.JsonStringProblem? FindUnreadable(byte[] json)
    {
        using JsonDocument lenient = JsonDocument.Parse(json);
        return Geode.Model.JsonStrings.FindUnreadable(lenient.RootElement);
    }

    private static Geode.Model.BadInputException Unreadable(string path, Geode.Model.JsonStringProblem problem) =>
        new($"{path}: cannot be read as text at {problem}.", path, problem.Path);

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
