using Geode.Grains.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Geode.Silo.Placement;

/// <summary>
/// The live compute silos from this silo's membership snapshot and silo-metadata cache, read fresh
/// on every call (both are in-memory caches Orleans keeps current), so a coordinator sees silos
/// join and die as soon as membership does.
/// </summary>
internal sealed class ComputeSilos(IClusterMembershipService membership, ISiloMetadataCache metadata) : IComputeSilos
{
    /// <inheritdoc />
    public IReadOnlyList<SiloAddress> Live() =>
        [.. membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).Where(IsCompute)];

    /// <inheritdoc />
    public bool IsLiveCompute(SiloAddress silo) =>
        membership.CurrentSnapshot.GetSiloStatus(silo) == SiloStatus.Active && IsCompute(silo);

    /// <summary>Whether <paramref name="silo"/>'s metadata marks it as a compute silo (false while its metadata is unknown).</summary>
    public bool IsCompute(SiloAddress silo) =>
        metadata.GetSiloMetadata(silo).Metadata.TryGetValue(ComputePlacementStrategy.MetadataKey, out string? value) && value == "true";
}
