namespace Geode.Grains.Placement;

/// <summary>
/// The live compute silos as this silo sees them (active in membership, silo metadata
/// <c>geode.compute = true</c>): what a campaign coordinator spreads its units over. The silo host
/// implements it over Orleans' membership and silo-metadata caches.
/// </summary>
public interface IComputeSilos
{
    /// <summary>The live compute silos now, in no particular order; empty when none is known yet.</summary>
    IReadOnlyList<SiloAddress> Live();

    /// <summary>Whether <paramref name="silo"/> is a live compute silo now.</summary>
    bool IsLiveCompute(SiloAddress silo);
}
