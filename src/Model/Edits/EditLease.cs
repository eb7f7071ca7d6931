namespace Geode.Model.Edits;

/// <summary>
/// Resolved edits held from a <see cref="ResolvedEditCache"/> while a batch applies them: the cache
/// cannot free them until the lease is disposed.
/// </summary>
internal sealed class EditLease : IDisposable
{
    private readonly ResolvedEditCache _cache;
    private readonly ResolvedEditCache.Entry[] _entries;
    private bool _released;

    internal EditLease(ResolvedEditCache cache, ResolvedEditCache.Entry[] entries, int generation)
    {
        _cache = cache;
        _entries = entries;
        Generation = generation;
        Edits = [.. entries.Select(e => e.Resolved)];
    }

    /// <summary>The resolved edits, in the order they were asked for.</summary>
    public IReadOnlyList<ResolvedEdit> Edits { get; }

    /// <summary>The cache's generation when leased (see <see cref="ResolvedEditCache.Generation"/>).</summary>
    public int Generation { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_released)
        {
            _released = true;
            _cache.Release(_entries);
        }
    }
}
