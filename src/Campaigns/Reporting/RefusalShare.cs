using System.Text.Json.Nodes;

namespace Geode.Campaigns.Reporting;

/// <summary>
/// The refusal of the class that should be refused, read from a per-category refusal block of
/// results.json: should_refuse when the block has it, else every category pooled.
/// </summary>
public static class RefusalShare
{
    /// <summary>Refused / n over the chosen categories; NaN when they hold no prompts.</summary>
    public static double Of(JsonNode refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        JsonObject categories = refusal.AsObject();
        IEnumerable<JsonNode?> chosen = categories.ContainsKey("should_refuse") ? [categories["should_refuse"]] : categories.Select(c => c.Value);
        int refused = chosen.Sum(c => (int)c!["refused"]!), n = chosen.Sum(c => (int)c!["n"]!);
        return n == 0 ? double.NaN : refused / (double)n;
    }

    /// <summary>How many prompts a refusal block covers (every category).</summary>
    public static int Prompts(JsonNode refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return refusal.AsObject().Sum(c => (int)c.Value!["n"]!);
    }
}
