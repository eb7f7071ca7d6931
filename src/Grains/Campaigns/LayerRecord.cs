namespace Geode.Grains.Campaigns;

/// <summary>A layer aggregator's durable state: which shards it merged and the merged statistics.</summary>
[GenerateSerializer]
[Alias("geode.layer-record")]
public sealed class LayerRecord
{
    /// <summary>The shards merged so far; a shard sent again is ignored.</summary>
    [Id(0)]
    public List<int> Shards { get; set; } = [];

    /// <summary>The merged <c>ActivationStatistics</c> bytes (one layer), or empty.</summary>
    [Id(1)]
    public byte[] Statistics { get; set; } = [];
}
