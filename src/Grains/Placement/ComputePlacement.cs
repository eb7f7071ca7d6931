using Orleans.Placement;

namespace Geode.Grains.Placement;

/// <summary>
/// Places a grain only on compute silos — those whose silo metadata marks them as holding a model
/// worker (<c>geode.compute = true</c>). Shard grains and trial runners use it; coordinators and
/// aggregators go anywhere. The director that enforces it runs in every silo host.
/// </summary>
[GenerateSerializer]
[Alias("geode.compute-placement")]
public sealed class ComputePlacementStrategy : PlacementStrategy
{
    /// <summary>The silo metadata key that marks a compute silo.</summary>
    public const string MetadataKey = "geode.compute";

    /// <summary>The shared instance.</summary>
    public static ComputePlacementStrategy Instance { get; } = new();
}

/// <summary>Marks a grain class for <see cref="ComputePlacementStrategy"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ComputePlacementAttribute : PlacementAttribute
{
    /// <summary>Creates the attribute.</summary>
    public ComputePlacementAttribute()
        : base(ComputePlacementStrategy.Instance)
    {
    }
}
