namespace Geode.Grains.Campaigns;

/// <summary>Where one shard stands.</summary>
public enum ShardState
{
    /// <summary>Not leased.</summary>
    Waiting,

    /// <summary>Leased to a worker, result not in yet.</summary>
    Leased,

    /// <summary>Its result is merged.</summary>
    Done,
}
