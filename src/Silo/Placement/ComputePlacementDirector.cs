using Geode.Grains.Placement;
using Orleans.Runtime.Placement;

namespace Geode.Silo.Placement;

/// <summary>
/// Puts a <see cref="ComputePlacementStrategy"/> grain on a compute silo, wherever the call comes
/// from: on the silo the call's <see cref="PlacementPin"/> names when that is a compatible compute
/// silo, otherwise at random over the compatible silos whose metadata says <c>geode.compute = true</c>.
/// </summary>
/// <remarks>
/// Orleans' own metadata placement filters compare a silo's metadata with the calling silo's, so
/// they cannot send a coordinator's calls from a CPU-only silo to the GPU silos; this director
/// reads each candidate's metadata instead (reference/dotnet.md). A pin to a silo that has died or
/// does not compute falls back to the random choice: the unit still runs, only not where asked.
/// </remarks>
internal sealed class ComputePlacementDirector(ComputeSilos silos) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        SiloAddress[] compute = [.. context.GetCompatibleSilos(target).Where(silos.IsCompute)];
        if (compute.Length == 0)
        {
            throw new OrleansException(
                $"No compute silo can host {target.GrainIdentity}: start a silo with a model worker (geode silo without --no-compute).");
        }

        if (PlacementPin.Target(target.RequestContextData) is { } pinned && Array.IndexOf(compute, pinned) >= 0)
        {
            return Task.FromResult(pinned);
        }

        return Task.FromResult(compute[Random.Shared.Next(compute.Length)]);
    }
}
