namespace Geode.Grains.Storage;

/// <summary>Storage that is always reachable (memory storage in an embedded silo): every failure is the write's own.</summary>
public sealed class NoStorageOutages : IStorageOutages
{
    /// <inheritdoc />
    public bool IsOutage(Exception exception) => false;
}
