namespace Geode.Grains.Campaigns;

/// <summary>Where a campaign is in its life.</summary>
public enum CampaignPhase
{
    /// <summary>No campaign with this id was started.</summary>
    Unknown,

    /// <summary>Stages are running (or will resume when a silo comes back).</summary>
    Running,

    /// <summary>Every stage finished; results.json is written.</summary>
    Succeeded,

    /// <summary>A stage failed; <see cref="CampaignStatus.Error"/> says why.</summary>
    Failed,

    /// <summary>Cancelled by <c>geode cancel</c> or Ctrl-C.</summary>
    Cancelled,
}
