using System.Text.Json.Nodes;

namespace Geode.Campaigns.Execution;

/// <summary>
/// Something written from a finished campaign's results: the Markdown summary today, the HTML
/// report later. Silos run every registered report after results.json is written.
/// </summary>
public interface ICampaignReport
{
    /// <summary>Writes the report into <paramref name="outDir"/> and returns the file it wrote.</summary>
    string Write(JsonObject results, string outDir);
}
