namespace Geode.Grains.Storage;

/// <summary>
/// Tells a storage outage — the store could not be reached, so a write may or may not have landed
/// and writing again later is the right answer — from a write's own failure (a conflict, a value
/// the store rejects), which no amount of waiting fixes. The silo registers the one that knows its
/// store's errors (<c>RedisStorageOutages</c> in a cluster; memory storage never has outages).
/// </summary>
public interface IStorageOutages
{
    /// <summary>Whether <paramref name="exception"/>, or one it wraps, says the store could not be reached.</summary>
    bool IsOutage(Exception exception);
}
