using System.Text.Json.Nodes;
using Geode.Campaigns.Execution;
using Geode.Model;

namespace Geode.Campaigns.Reporting;

/// <summary>
/// A campaign's output folder as <c>geode report</c> rebuilds its page from it, possibly long
/// after the run, copied from a cluster or edited by hand: every way the folder can be wrong ends
/// in a <see cref="BadInputException"/> naming the file at fault (results.json, prompts.jsonl, a
/// record stream, a diff JSON, the activations) or in a figure marked missing, never in another
/// exception. Paths results.json gives for artifacts are read only when they name such an artifact
/// (see <see cref="ActivationMapFigures"/> and <see cref="DiffFigures"/>); nothing is written here.
/// </summary>
public static class ReportFolder
{
    /// <summary>The results document's name in the output folder.</summary>
    public const string ResultsFileName = "results.json";

    /// <summary>Reads <c>results.json</c> of <paramref name="outDir"/>.</summary>
    /// <exception cref="BadInputException">It is missing, not valid JSON, or not a Geode results document.</exception>
    public static JsonObject ReadResults(string outDir)
    {
        string path = Path.Combine(outDir, ResultsFileName);
        if (!File.Exists(path))
        {
            throw new BadInputException($"{path}: not found; RESULTS_DIR must be a campaign's output folder (the one `geode run` wrote results.json into).", path, ResultsFileName);
        }

        return CampaignResults.Read(path) is JsonObject results && results["campaign"] is JsonObject
            ? results
            : throw new BadInputException($"{path}: not a Geode results document (no \"campaign\" object at the top).", path, "campaign");
    }

    /// <summary>Writes the page for <paramref name="results"/>, read from <paramref name="outDir"/>, to <paramref name="page"/>.</summary>
    /// <exception cref="BadInputException">
    /// results.json or an artifact it leads to is malformed; the message names the file. Nothing has been written to <paramref name="page"/> then.
    /// </exception>
    public static void Render(JsonObject results, string outDir, TextWriter page)
    {
        try
        {
            HtmlReport.Render(results, outDir, page);
        }
        catch (Exception e) when (IsShapeError(e))
        {
            // A stage block with a missing or mistyped field (a JsonNode cast, an index past a
            // list's end, a number that is not one): results.json was edited or is not Geode's.
            string path = Path.Combine(outDir, ResultsFileName);
            throw new BadInputException($"{path}: a stage block is missing a field or has one of the wrong type ({e.Message}); rerun the campaign or restore the file.", path, "stages", e);
        }
    }

    /// <summary>
    /// True for what reading a JSON tree of the wrong shape throws: a cast of a node of another
    /// kind, a missing node, an index past a list, a number out of its type's range, or a tree
    /// too deep to write back out.
    /// </summary>
    internal static bool IsShapeError(Exception e) =>
        e is InvalidOperationException or FormatException or InvalidCastException or NullReferenceException or ArgumentException
            or KeyNotFoundException or IndexOutOfRangeException or OverflowException or System.Text.Json.JsonException;
}
