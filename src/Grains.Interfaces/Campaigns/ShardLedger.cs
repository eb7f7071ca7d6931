namespace Geode.Grains.Campaigns;

/// <summary>
/// The coordinator's account of one job's shards (DESIGN §3): which prompt ranges are waiting,
/// leased to a worker, or done — so that every shard's result is merged exactly once however
/// workers die, retry or answer twice. It is plain data (small enough for grain storage) plus
/// the rules; the coordinator grain persists it after every change.
/// </summary>
/// <remarks>
/// A lease names the worker and an attempt number. Completing a shard takes the first result
/// that arrives for it and ignores any later one (a slow worker whose lease was given away, a
/// retried message), so merges are idempotent by construction. A dead worker's leases go back to
/// the waiting list; so do leases older than the lease time when the coordinator asks.
/// </remarks>
[GenerateSerializer]
[Alias("geode.shard-ledger")]
public sealed class ShardLedger
{
    /// <summary>Per shard, in order.</summary>
    [Id(0)]
    public List<ShardEntry> Shards { get; init; } = [];

    /// <summary>Attempts handed out so far (lease numbers).</summary>
    [Id(1)]
    public int Attempts { get; set; }

    /// <summary>Shards done.</summary>
    public int Done => Shards.Count(s => s.State == ShardState.Done);

    /// <summary>Whether every shard is done.</summary>
    public bool IsComplete => Shards.All(s => s.State == ShardState.Done);

    /// <summary>Splits <paramref name="items"/> prompts into consecutive shards of at most <paramref name="shardSize"/>.</summary>
    public static ShardLedger Plan(int items, int shardSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shardSize);
        var ledger = new ShardLedger();
        for (int start = 0, index = 0; start < items; start += shardSize, index++)
        {
            ledger.Shards.Add(new ShardEntry { Index = index, Start = start, Count = Math.Min(shardSize, items - start) });
        }

        return ledger;
    }

    /// <summary>Leases the first waiting shard to <paramref name="worker"/>, or returns null when none waits.</summary>
    public ShardLease? Lease(string worker, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ShardEntry? shard = Shards.FirstOrDefault(s => s.State == ShardState.Waiting);
        if (shard is null)
        {
            return null;
        }

        shard.State = ShardState.Leased;
        shard.Worker = worker;
        shard.Attempt = ++Attempts;
        shard.LeasedAt = now;
        return new ShardLease(shard.Index, shard.Start, shard.Count, shard.Attempt, worker);
    }

    /// <summary>
    /// Records that <paramref name="lease"/>'s shard finished. True when this is the shard's first
    /// result (merge it); false when the shard was already done (drop it).
    /// </summary>
    public bool Complete(ShardLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (lease.Index < 0 || lease.Index >= Shards.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(lease), lease.Index, $"The ledger has shards 0..{Shards.Count - 1}.");
        }

        ShardEntry shard = Shards[lease.Index];
        if (shard.State == ShardState.Done)
        {
            return false;
        }

        shard.State = ShardState.Done;
        shard.Worker = lease.Worker;
        shard.Attempt = lease.Attempt;
        return true;
    }

    /// <summary>Returns every shard leased to <paramref name="worker"/> to the waiting list (the worker died). Returns how many.</summary>
    public int Release(string worker) => Requeue(s => s.Worker == worker);

    /// <summary>
    /// Returns <paramref name="lease"/>'s shard to the waiting list when that lease still holds it
    /// (its worker failed). True when it did; false when the shard is done or leased again since.
    /// </summary>
    public bool Retry(ShardLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ShardEntry shard = Shards[lease.Index];
        if (shard.State != ShardState.Leased || shard.Attempt != lease.Attempt)
        {
            return false;
        }

        shard.State = ShardState.Waiting;
        shard.Worker = null;
        return true;
    }

    /// <summary>Prompts (or units) in done shards.</summary>
    public int DoneItems => Shards.Where(s => s.State == ShardState.Done).Sum(s => s.Count);

    /// <summary>Prompts (or units) in all shards.</summary>
    public int TotalItems => Shards.Sum(s => s.Count);

    /// <summary>Returns leases taken before <paramref name="cutoff"/> to the waiting list. Returns how many.</summary>
    public int Expire(DateTimeOffset cutoff) => Requeue(s => s.LeasedAt < cutoff);

    private int Requeue(Func<ShardEntry, bool> which)
    {
        int count = 0;
        foreach (ShardEntry shard in Shards.Where(s => s.State == ShardState.Leased && which(s)))
        {
            shard.State = ShardState.Waiting;
            shard.Worker = null;
            count++;
        }

        return count;
    }
}
