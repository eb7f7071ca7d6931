namespace Geode.Campaigns.Execution;

/// <summary>The stages a campaign runs, in order, and how each is split (DESIGN §1, §3).</summary>
public static class StagePlan
{
    /// <summary>
    /// The stages to run: the campaign's, with capture added when geometry or sweeps need stored
    /// activations and the file did not ask for it.
    /// </summary>
    public static IReadOnlyList<string> Stages(Campaign campaign)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        var stages = new List<string>(campaign.Stages.Enabled);
        if (!stages.Contains("capture") && (stages.Contains("geometry") || stages.Contains("sweeps")))
        {
            stages.Insert(stages.Contains("baseline") ? 1 : 0, "capture");
        }

        return stages;
    }

    /// <summary>How <paramref name="stage"/> is split.</summary>
    public static StageWork WorkOf(string stage) => stage is "baseline" or "capture" ? StageWork.Shards : StageWork.Trials;

    /// <summary>How many trials <paramref name="stage"/> runs first (a cascade's confirmations follow its smoke round).</summary>
    public static int Trials(Campaign campaign, string stage)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        return stage switch
        {
            "geometry" or "descent" or "selective" => 1,
            "sweeps" => campaign.Stages.Sweeps!.Layers.Count,
            "cascade" => campaign.Stages.Cascade!.Steps.Count + 1,
            "diff" => campaign.Stages.Diff!.Forks.Count,
            _ => throw new ArgumentException($"'{stage}' is not a trial stage.", nameof(stage)),
        };
    }
}
