namespace Geode.Grains.Campaigns;

/// <summary>One shard's record in a <see cref="ShardLedger"/>.</summary>
[GenerateSerializer]
[Alias("geode.shard-entry")]
public sealed class ShardEntry
{
    /// <summary>The shard's index.</summary>
    [Id(0)]
    public int Index { get; init; }

    /// <summary>Its first prompt.</summary>
    [Id(1)]
    public int Start { get; init; }

    /// <summary>Its prompt count.</summary>
    [Id(2)]
    public int Count { get; init; }

    /// <summary>Where it stands.</summary>
    [Id(3)]
    public ShardState State { get; set; }

    /// <summary>The worker holding (or that finished) it.</summary>
    [Id(4)]
    public string? Worker { get; set; }

    /// <summary>The attempt that holds (or finished) it.</summary>
    [Id(5)]
    public int Attempt { get; set; }

    /// <summary>When the current lease was taken.</summary>
    [Id(6)]
    public DateTimeOffset LeasedAt { get; set; }
}
