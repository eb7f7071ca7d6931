using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Geode.Analysis.Prompts;
using Geode.Model.Files;

namespace Geode.Campaigns.Execution;

/// <summary>
/// <c>prompts.jsonl</c> in the output folder: the prompts the capture holds rows for, in capture
/// order, one JSON object per line (<c>id</c>, <c>category</c>, <c>expected</c>, <c>prompt</c>). Row
/// i of the stored activation tensor is line i, so the report and a Python user can label
/// activations without the campaign file. A prompt that failed during the capture has no row and no
/// line (results.json's <c>capture.failed_prompts</c> lists it).
/// </summary>
public static class PromptManifest
{
    /// <summary>The file name in the output folder.</summary>
    public const string FileName = "prompts.jsonl";

    private static readonly JsonSerializerOptions Line = new(CampaignResults.Format) { WriteIndented = false };

    /// <summary>Writes the manifest of every prompt of <paramref name="prompts"/> (replacing an earlier one whole).</summary>
    public static void Write(string outDir, PromptSet prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        Write(outDir, prompts, [.. Enumerable.Range(0, prompts.Records.Count)]);
    }

    /// <summary>Writes the manifest of the prompts <paramref name="rows"/> (indices into <paramref name="prompts"/>, in row order).</summary>
    public static void Write(string outDir, PromptSet prompts, IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(rows);
        var text = new StringBuilder();
        foreach (PromptRecord record in rows.Select(i => prompts.Records[i]))
        {
            text.AppendLine(new JsonObject
            {
                ["id"] = record.Id,
                ["category"] = record.Category,
                ["expected"] = record.Expected == ExpectedBehavior.Refuse ? "refuse" : "comply",
                ["prompt"] = record.Prompt,
            }.ToJsonString(Line));
        }

        AtomicFile.WriteAllText(Path.Combine(outDir, FileName), text.ToString());
    }

    /// <summary>Reads the manifest of <paramref name="outDir"/>, or null when it has none.</summary>
    /// <exception cref="Geode.Model.BadInputException">A line is not a prompt object; the message names the file and line.</exception>
    public static IReadOnlyList<(string Id, string Category, string Prompt)>? Read(string outDir)
    {
        string path = Path.Combine(outDir, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        var prompts = new List<(string, string, string)>();
        int line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            if (text.Length == 0)
            {
                continue;
            }

            JsonDocument json;
            try
            {
                json = JsonDocument.Parse(text);
            }
            catch (JsonException e)
            {
                throw new Geode.Model.BadInputException($"{path}: line {line} is not JSON: {e.Message}", path, $"line {line}", e);
            }

            using (json)
            {
                JsonElement entry = json.RootElement;

                // An unpaired surrogate escape would throw wherever the string is read.
                if (Geode.Model.JsonStrings.FindUnreadable(entry) is { } unreadable)
                {
                    throw new Geode.Model.BadInputException($"{path}: line {line} cannot be read as text at {unreadable}.", path, $"line {line}");
                }

                if (!TryString(entry, "id", out string id) || !TryString(entry, "category", out string category))
                {
                    throw new Geode.Model.BadInputException($"{path}: line {line} is not a prompt object with string fields id and category.", path, $"line {line}");
                }

                prompts.Add((id, category, TryString(entry, "prompt", out string prompt) ? prompt : string.Empty));
            }
        }

        return prompts;
    }

    private static bool TryString(JsonElement entry, string name, out string value)
    {
        if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty(name, out JsonElement node) && node.ValueKind == JsonValueKind.String)
        {
            value = node.GetString()!;
            return true;
        }

        value = string.Empty;
        return false;
    }
}
