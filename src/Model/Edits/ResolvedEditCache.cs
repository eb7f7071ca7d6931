namespace Geode.Model.Edits;

/// <summary>
/// A model's resolved edits, shared by every thread running its forward passes (a packed
/// evaluation runs batches on several threads at once): each edit is resolved once and leased to
/// every batch that applies it. Dropping the cache — the weights changed, or it grew past its
/// bound — frees an entry at once when no batch holds it, otherwise when the last lease ends.
/// </summary>
internal sealed class ResolvedEditCache(int capacity) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Edit, Entry> _entries = new(ReferenceEqualityComparer.Instance);
    private int _generation;

    /// <summary>Bumped each time the cache is dropped; a lease from an older generation is stale.</summary>
    /// <remarks>Read on every forward pass, so without the lock (written only under it).</remarks>
    public int Generation => Volatile.Read(ref _generation);

    /// <summary>Leases <paramref name="edits"/>, resolving with <paramref name="resolve"/> the ones not cached yet.</summary>
    public EditLease Lease(IReadOnlyList<Edit> edits, Func<Edit, ResolvedEdit> resolve)
    {
        lock (_gate)
        {
            if (_entries.Count > capacity)
            {
                DropAll();
            }

            var leased = new Entry[edits.Count];
            try
            {
                for (int i = 0; i < edits.Count; i++)
                {
                    if (!_entries.TryGetValue(edits[i], out Entry? entry))
                    {
                        entry = new Entry(resolve(edits[i]));
                        _entries[edits[i]] = entry;
                    }

                    entry.Users++;
                    leased[i] = entry;
                }
            }
            catch
            {
                // An edit that does not fit the model: give back what this call took.
                ReleaseLocked([.. leased.OfType<Entry>()]);
                throw;
            }

            return new EditLease(this, leased, _generation);
        }
    }

    /// <summary>Drops every entry: the ones no batch holds are freed now, the others when released.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            DropAll();
        }
    }

    /// <inheritdoc />
    public void Dispose() => Clear();

    internal void Release(IReadOnlyList<Entry> entries)
    {
        lock (_gate)
        {
            ReleaseLocked(entries);
        }
    }

    private void ReleaseLocked(IReadOnlyList<Entry> entries)
    {
        foreach (Entry entry in entries)
        {
            if (--entry.Users == 0 && entry.Dropped)
            {
                entry.Resolved.Dispose();
            }
        }
    }

    private void DropAll()
    {
        foreach (Entry entry in _entries.Values)
        {
            entry.Dropped = true;
            if (entry.Users == 0)
            {
                entry.Resolved.Dispose();
            }
        }

        _entries.Clear();
        Volatile.Write(ref _generation, _generation + 1);
    }

    /// <summary>A cached resolution and how many leases hold it.</summary>
    internal sealed class Entry(ResolvedEdit resolved)
    {
        public ResolvedEdit Resolved { get; } = resolved;

        public int Users { get; set; }

        public bool Dropped { get; set; }
    }
}
