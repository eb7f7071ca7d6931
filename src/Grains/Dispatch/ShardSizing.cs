namespace Geode.Grains.Dispatch;

/// <summary>
/// How many prompts go in one shard: at most one batch (a shard is one forward pass), and small
/// enough that every compute silo gets several shards, so that pulling work can balance fast and
/// slow silos and the last shards do not leave most devices idle.
/// </summary>
/// <remarks>
/// size = max(1, min(batch, ⌈items / (silos × k)⌉)). With k shards per silo the tail — the time
/// between the first and the last silo running out of work — is about one shard, 1/k of a silo's
/// share. The size is planned once per round and saved in the ledger, so a silo joining or leaving
/// later does not reshape shards already written.
/// </remarks>
public static class ShardSizing
{
    /// <summary>Shards per compute silo the rule aims for (k).</summary>
    public const int ShardsPerSilo = 4;

    /// <summary>The shard size for <paramref name="items"/> prompts on <paramref name="computeSilos"/> silos.</summary>
    /// <param name="items">Prompts in the round (≥ 0).</param>
    /// <param name="batch">The campaign's batch: the largest shard (≥ 1).</param>
    /// <param name="computeSilos">Live compute silos; 0 (none known yet) counts as 1.</param>
    /// <param name="shardsPerSilo">k, the shards each silo should get (≥ 1).</param>
    public static int Size(int items, int batch, int computeSilos, int shardsPerSilo = ShardsPerSilo)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(computeSilos);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shardsPerSilo);
        long wanted = (long)Math.Max(computeSilos, 1) * shardsPerSilo;
        int even = (int)((items + wanted - 1) / wanted);
        return Math.Max(1, Math.Min(batch, even));
    }
}
