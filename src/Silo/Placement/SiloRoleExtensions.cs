using Geode.Grains.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Geode.Silo.Placement;

/// <summary>Silo set-up shared by <c>geode silo</c>, the embedded cluster and the tests.</summary>
public static class SiloRoleExtensions
{
    /// <summary>
    /// Publishes whether this silo computes (holds a model worker) in its silo metadata, registers
    /// the director that places compute grains by it, and the live compute-silo list coordinators
    /// dispatch over (<see cref="IComputeSilos"/>).
    /// </summary>
    public static ISiloBuilder UseGeodeRole(this ISiloBuilder silo, bool compute)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.UseSiloMetadata(new Dictionary<string, string> { [ComputePlacementStrategy.MetadataKey] = compute ? "true" : "false" });
        AddComputeSilos(silo.Services);
        silo.AddPlacementDirector<ComputePlacementStrategy, ComputePlacementDirector>();
        return silo;
    }

    /// <summary>Registers <see cref="IComputeSilos"/> once, whichever of the role and the services is configured first.</summary>
    internal static void AddComputeSilos(IServiceCollection services)
    {
        services.TryAddSingleton<ComputeSilos>();
        services.TryAddSingleton<IComputeSilos>(provider => provider.GetRequiredService<ComputeSilos>());
    }
}
