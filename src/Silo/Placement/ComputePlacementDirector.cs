using Geode.Grains.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Geode.Silo.Placement;

/// <summary>
/// Puts a <see cref="ComputePlacementStrategy"/> grain on a compute silo, wherever the call comes
/// from: spread at random over the compatible silos whose metadata says <c>geode.compute = true</c>.
/// </summary>
/// <remarks>
/// Orleans' own metadata placement filters compare a silo's metadata with the calling silo's, so
/// they cannot send a coordinator's calls from a CPU-only silo to the GPU silos; this director
/// reads each candidate's metadata instead (reference/dotnet.md).
/// </remarks>
internal sealed class ComputePlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        SiloAddress[] compute = [.. context.GetCompatibleSilos(target).Where(IsCompute)];
        if (compute.Length == 0)
        {
            throw new OrleansException(
                $"No compute silo can host {target.GrainIdentity}: start a silo with a model worker (geode silo without --no-compute).");
        }

        return Task.FromResult(compute[Random.Shared.Next(compute.Length)]);
    }

    private bool IsCompute(SiloAddress silo) =>
        metadata.GetSiloMetadata(silo).Metadata.TryGetValue(ComputePlacementStrategy.MetadataKey, out string? value) && value == "true";
}
