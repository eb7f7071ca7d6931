using System.Globalization;
using System.Text.Json.Nodes;
using Geode.Campaigns.Execution;
using Microsoft.Extensions.Logging;

namespace Geode.Grains.Campaigns;

/// <summary>The coordinator's account of prompts that failed on their own (issue 9).</summary>
public sealed partial class CampaignGrain
{
    /// <summary>How many failed prompts an error message lists before it says "and N more".</summary>
    private const int ListedFailures = 5;

    /// <summary>
    /// Whether an outcome whose every prompt failed, for <paramref name="unit"/> from
    /// <paramref name="silo"/>, is believed: only when another silo said so before it, or when
    /// there is no other compute silo to ask. Otherwise remembers the silo and says no.
    /// </summary>
    private bool Confirmed(Dictionary<int, string> suspects, int unit, string silo)
    {
        if (suspects.TryGetValue(unit, out string? first) && (!string.Equals(first, silo, StringComparison.Ordinal) || computeSilos.Live().Count <= 1))
        {
            return true;
        }

        suspects[unit] = silo;
        return false;
    }

    /// <summary>Adds <paramref name="failures"/> to the record (once per stage and prompt), the metric and the log.</summary>
    private void RecordFailures(IReadOnlyList<PromptFailure> failures)
    {
        foreach (PromptFailure failure in failures)
        {
            if (Record.FailedPrompts.Any(known => known.Stage == failure.Stage && known.Index == failure.Index))
            {
                continue;
            }

            Record.FailedPrompts.Add(failure);
            metrics.PromptFailed(failure.Stage);
            log.LogWarning("Campaign {Id}: {Stage} prompt {Index} ({PromptId}) fails on its own; the campaign goes on without it: {Cause}", Record.Request?.Id, failure.Stage, failure.Index, failure.PromptId, failure.Cause);
        }
    }

    /// <summary><paramref name="stage"/>'s failed prompts in prompt order, as results.json lists them.</summary>
    private JsonArray FailedPromptsJson(string stage) =>
        ResultsJson.FailedPrompts(Record.FailedPrompts.Where(f => f.Stage == stage).OrderBy(f => f.Index).Select(f => (f.Stage, f.Index, f.PromptId, f.Cause)));

    /// <summary>"prompt 3 (id): cause; …", at most <see cref="ListedFailures"/> of them.</summary>
    private static string Describe(IEnumerable<PromptFailure> failures)
    {
        PromptFailure[] all = [.. failures.OrderBy(f => f.Index)];
        string listed = string.Join("; ", all.Take(ListedFailures).Select(f => string.Create(CultureInfo.InvariantCulture, $"prompt {f.Index} ({f.PromptId}): {f.Cause}")));
        return all.Length > ListedFailures ? string.Create(CultureInfo.InvariantCulture, $"{listed}; and {all.Length - ListedFailures} more") : listed;
    }
}
