using FsCheck.Xunit;
using Geode.Grains.Campaigns;

namespace Geode.Grains.Tests;

public sealed class ShardLedgerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_plan_covers_every_prompt_once_in_shards_of_at_most_the_size()
    {
        ShardLedger ledger = ShardLedger.Plan(items: 23, shardSize: 5);

        Assert.Equal([5, 5, 5, 5, 3], ledger.Shards.Select(s => s.Count));
        Assert.Equal([0, 5, 10, 15, 20], ledger.Shards.Select(s => s.Start));
        Assert.Empty(ShardLedger.Plan(0, 5).Shards);
        Assert.True(ShardLedger.Plan(0, 5).IsComplete);
    }

    [Fact]
    public void A_dead_workers_shard_goes_to_another_and_its_late_result_is_dropped()
    {
        ShardLedger ledger = ShardLedger.Plan(items: 4, shardSize: 2);
        ShardLease first = ledger.Lease("silo-a", Start)!;

        Assert.Equal(1, ledger.Release("silo-a"));
        ShardLease again = ledger.Lease("silo-b", Start)!;

        Assert.Equal(first.Index, again.Index);
        Assert.NotEqual(first.Attempt, again.Attempt);
        Assert.True(ledger.Complete(again));
        Assert.False(ledger.Complete(first)); // silo-a was only slow; its answer comes too late
        Assert.Equal(1, ledger.Done);
    }

    [Fact]
    public void Leases_older_than_the_cutoff_expire_and_newer_ones_stay()
    {
        ShardLedger ledger = ShardLedger.Plan(items: 3, shardSize: 1);
        ledger.Lease("a", Start);
        ledger.Lease("b", Start.AddMinutes(10));

        Assert.Equal(1, ledger.Expire(Start.AddMinutes(5)));
        Assert.Equal([ShardState.Waiting, ShardState.Leased, ShardState.Waiting], ledger.Shards.Select(s => s.State));
    }

    /// <summary>
    /// Any interleaving of leases, completions (including duplicates and late answers from workers
    /// declared dead), deaths and expiries, followed by a healthy worker draining what is left,
    /// merges every shard exactly once and covers every prompt exactly once.
    /// </summary>
    [Property(MaxTest = 300)]
    public bool Every_shard_is_merged_exactly_once_whatever_happens(int seed)
    {
        var random = new Random(seed);
        int items = random.Next(0, 200);
        ShardLedger ledger = ShardLedger.Plan(items, random.Next(1, 20));
        string[] workers = ["a", "b", "c"];
        var outstanding = new List<ShardLease>(); // leases whose answers may still arrive, even twice
        var merged = new int[ledger.Shards.Count];
        DateTimeOffset now = Start;

        for (int step = 0; step < 400; step++)
        {
            now = now.AddSeconds(1);
            switch (random.Next(5))
            {
                case 0 or 1:
                    if (ledger.Lease(workers[random.Next(workers.Length)], now) is ShardLease lease)
                    {
                        outstanding.Add(lease);
                    }

                    break;
                case 2 when outstanding.Count > 0:
                    ShardLease answer = outstanding[random.Next(outstanding.Count)];
                    if (random.Next(3) > 0)
                    {
                        outstanding.Remove(answer); // otherwise it is answered again later
                    }

                    merged[answer.Index] += ledger.Complete(answer) ? 1 : 0;
                    break;
                case 3:
                    ledger.Release(workers[random.Next(workers.Length)]);
                    break;
                default:
                    ledger.Expire(now.AddSeconds(-random.Next(1, 50)));
                    break;
            }
        }

        while (ledger.Lease("healthy", now) is ShardLease lease)
        {
            merged[lease.Index] += ledger.Complete(lease) ? 1 : 0;
        }

        foreach (ShardLease late in outstanding)
        {
            merged[late.Index] += ledger.Complete(late) ? 1 : 0;
        }

        int[] coverage = new int[items];
        foreach (ShardEntry shard in ledger.Shards)
        {
            for (int i = shard.Start; i < shard.Start + shard.Count; i++)
            {
                coverage[i] += merged[shard.Index];
            }
        }

        return ledger.IsComplete && merged.All(m => m == 1) && coverage.All(c => c == 1);
    }
}
