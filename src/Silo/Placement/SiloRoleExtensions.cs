using Geode.Grains.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Geode.Silo.Placement;

/// <summary>Silo set-up shared by <c>geode silo</c>, the embedded cluster and the tests.</summary>
public static class SiloRoleExtensions
{
    /// <summary>
    /// Publishes whether this silo computes (holds a model worker) in its silo metadata and
    /// registers the director that places compute grains by it.
    /// </summary>
    public static ISiloBuilder UseGeodeRole(this ISiloBuilder silo, bool compute)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.UseSiloMetadata(new Dictionary<string, string> { [ComputePlacementStrategy.MetadataKey] = compute ? "true" : "false" });
        silo.AddPlacementDirector<ComputePlacementStrategy, ComputePlacementDirector>();
        return silo;
    }
}
