using Geode.Model.Edits;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Edits;

/// <summary>
/// The resolved-edit cache that threads share: an edit is resolved once for every lease, and
/// dropping the cache never frees what a running batch still holds.
/// </summary>
public sealed class ResolvedEditCacheTests
{
    private const int Hidden = 16;

    // Resolutions made by this test (xUnit builds a new instance per test).
    private int _resolutions;

    [Fact]
    public void An_edit_is_resolved_once_and_shared_by_every_lease()
    {
        using var cache = new ResolvedEditCache(capacity: 8);
        Edit edit = At(0);

        using EditLease first = cache.Lease([edit], Resolve);
        using EditLease second = cache.Lease([edit], Resolve);

        Assert.Equal(1, _resolutions);
        Assert.Same(first.Edits[0], second.Edits[0]);
    }

    [Fact]
    public void Dropping_the_cache_frees_an_entry_only_when_its_last_lease_ends()
    {
        using var cache = new ResolvedEditCache(capacity: 8);
        Edit held = At(0);
        Edit idle = At(1, 8);
        EditLease running = cache.Lease([held], Resolve);
        ResolvedEdit idleResolved;
        using (EditLease done = cache.Lease([idle], Resolve))
        {
            idleResolved = done.Edits[0];
        }

        int generation = cache.Generation;
        cache.Clear();

        Assert.Equal(generation + 1, cache.Generation);
        Assert.Empty(idleResolved.Targets);
        Assert.NotEmpty(running.Edits[0].Targets);

        // Leased again after the drop, the edit is resolved anew; the running batch keeps its own.
        using EditLease fresh = cache.Lease([held], Resolve);
        Assert.Equal(3, _resolutions);
        Assert.NotSame(running.Edits[0], fresh.Edits[0]);

        ResolvedEdit old = running.Edits[0];
        running.Dispose();
        Assert.Empty(old.Targets);
        Assert.NotEmpty(fresh.Edits[0].Targets);
    }

    [Fact]
    public void A_cache_past_its_bound_is_dropped_before_the_next_lease()
    {
        using var cache = new ResolvedEditCache(capacity: 1);
        Edit[] edits = [.. Enumerable.Range(0, 3).Select(i => At(i, i))];
        var resolved = new List<ResolvedEdit>();
        foreach (Edit edit in edits[..2])
        {
            using EditLease lease = cache.Lease([edit], Resolve);
            resolved.Add(lease.Edits[0]);
        }

        using EditLease third = cache.Lease([edits[2]], Resolve);

        Assert.All(resolved, r => Assert.Empty(r.Targets));
        Assert.NotEmpty(third.Edits[0].Targets);
    }

    [Fact]
    public void A_lease_that_fails_gives_back_what_it_took()
    {
        using var cache = new ResolvedEditCache(capacity: 8);
        Edit good = At(0);
        Edit bad = At(1, 8);

        Assert.Throws<BadInputException>(() => cache.Lease([good, bad], e => ReferenceEquals(e, bad) ? throw new BadInputException("edit: does not fit.", "edit") : Resolve(e)));
        using EditLease again = cache.Lease([good], Resolve);
        ResolvedEdit kept = again.Edits[0];
        again.Dispose();
        cache.Clear();

        // Held by no one (the failed lease gave its hold back), the entry is freed by the drop.
        Assert.Equal(1, _resolutions);
        Assert.Empty(kept.Targets);
    }

    /// <summary>A rank-1 projection at one layer's MLP output.</summary>
    private static Edit At(int layer, int seed = 7) => EditFixtures.Single(Hidden, WriterKind.MlpOutput, [layer], 1, EditVariant.Projection, postNormAware: false, seed: seed);

    private ResolvedEdit Resolve(Edit edit)
    {
        _resolutions++;
        using var scope = NewDisposeScope();
        return ResolvedEdit.Resolve(edit, (_, _) => EditFixtures.RandomBasis(Hidden, 8, seed: 3), (_, _) => null, Hidden, CPU);
    }
}
