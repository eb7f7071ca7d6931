using Geode.Grains.Dispatch;

namespace Geode.Grains.Tests.Dispatch;

public sealed class PullDispatcherTests
{
    [Fact]
    public void Next_OnAFreshRound_GivesEverySiloOneUnitBeforeAnySiloItsSecond()
    {
        var dispatcher = new PullDispatcher(slotsPerSilo: 2);
        dispatcher.SetSilos(["c", "a", "b"]);

        var order = new List<string>();
        int unit = 0;
        while (dispatcher.Next(0) is string silo)
        {
            order.Add(silo);
            dispatcher.Started(silo, unit++);
        }

        Assert.Equal(["a", "b", "c", "a", "b", "c"], order);
    }

    [Fact]
    public void Next_WhenEverySlotIsHeld_GivesASiloWorkOnlyWhenOneOfItsOwnUnitsSettles()
    {
        var dispatcher = new PullDispatcher(slotsPerSilo: 2);
        dispatcher.SetSilos(["a", "b"]);
        dispatcher.Started("a", 0);
        dispatcher.Started("b", 1);
        dispatcher.Started("a", 2);
        dispatcher.Started("b", 3);
        Assert.Null(dispatcher.Next(0));

        Assert.Equal(0, dispatcher.Settled("b", 3));

        Assert.Equal("b", dispatcher.Next(0));
        Assert.Equal(2, dispatcher.Held("a"));
        Assert.Equal(1, dispatcher.Held("b"));
    }

    [Fact]
    public void Next_WithAFastAndASlowSilo_PullsWorkInProportionToSpeed()
    {
        // Closed form, 20 units, one device per silo, 2 slots: "fast" takes 1 time unit per unit,
        // "slow" 4. Each holds 2 from t = 0; after that a silo leases one unit per unit it finishes,
        // so by time t (integer) 4 + t + ⌊t/4⌋ are leased: all 20 at t = 13, when fast has leased
        // 2 + 13 = 15 and slow 2 + 3 (t = 4, 8, 12) = 5.
        Dictionary<string, int> leased = Simulate(units: 20, new Dictionary<string, int> { ["fast"] = 1, ["slow"] = 4 }, backups: false).Leased;

        Assert.Equal(15, leased["fast"]);
        Assert.Equal(5, leased["slow"]);
    }

    [Fact]
    public void Backup_WhenNothingIsLeftToLease_ShortensTheSlowSilosTail()
    {
        // As above; without backups the slow silo runs its 5 units back to back and finishes at
        // t = 20. With them, fast frees a slot at t = 14 and t = 15 and backs up slow's two
        // outstanding units (the oldest first): it finishes them at t = 16 and 17, and the round
        // ends at 17 instead of 20 (the ideal, 20 units at 1 + 1/4 units per time unit, is 16).
        var speeds = new Dictionary<string, int> { ["fast"] = 1, ["slow"] = 4 };

        Assert.Equal(20, Simulate(20, speeds, backups: false).Makespan);
        (int makespan, _, int backups) = Simulate(20, speeds, backups: true);

        Assert.Equal(17, makespan);
        Assert.Equal(2, backups);
    }

    [Fact]
    public void Backup_PicksTheOldestUnitWithOneCopyOnAnotherSilo()
    {
        var dispatcher = new PullDispatcher(slotsPerSilo: 2);
        dispatcher.SetSilos(["a", "b", "c"]);
        dispatcher.Started("b", 7);
        dispatcher.Started("a", 3);
        dispatcher.Started("c", 5);

        Assert.Equal(7, dispatcher.Backup("a"));
        Assert.Equal(3, dispatcher.Backup("b")); // b's own unit 7 is not backed up on b
        Assert.Equal(3, dispatcher.Backup("c", unit => unit != 7));

        dispatcher.Started("a", 7); // a backs up 7: it now has two copies
        Assert.Equal(2, dispatcher.Copies(7));
        Assert.Equal(3, dispatcher.Backup("c"));
        Assert.Equal(1, dispatcher.Settled("b", 7));
        Assert.Null(dispatcher.Backup("a", unit => unit == 7)); // its one copy left is a's own
    }

    [Fact]
    public void Unreachable_RestsTheSiloWithDoublingBackOffUntilItAnswers()
    {
        var dispatcher = new PullDispatcher();
        dispatcher.SetSilos(["a", "b"]);

        dispatcher.Unreachable("a", nowMs: 1000);
        Assert.Equal("b", dispatcher.Next(1000));
        Assert.Equal(1250, dispatcher.CoolingUntil(1000));
        Assert.Equal("a", dispatcher.Next(1250));

        long[] ends = [.. Enumerable.Range(0, 6).Select(_ =>
        {
            dispatcher.Unreachable("a", 0);
            return dispatcher.CoolingUntil(0)!.Value;
        })];
        Assert.Equal([500, 1000, 2000, 4000, 4000, 4000], ends);

        dispatcher.Reached("a");
        Assert.Null(dispatcher.CoolingUntil(0));
        Assert.Equal("a", dispatcher.Next(0));
    }

    [Fact]
    public void SetSilos_WhenASiloLeaves_GivesItNothingMoreAndStillSettlesWhatItHeld()
    {
        var dispatcher = new PullDispatcher(slotsPerSilo: 1);
        dispatcher.SetSilos(["a", "b"]);
        dispatcher.Started("a", 0);

        dispatcher.SetSilos(["b", "c"]);

        Assert.Equal(["b", "c"], dispatcher.Silos);
        Assert.Equal(1, dispatcher.Copies(0));
        Assert.Equal(0, dispatcher.Settled("a", 0));
        Assert.Equal(0, dispatcher.Copies(0));
        Assert.Equal("b", dispatcher.Next(0));
    }

    /// <summary>
    /// A discrete-event run of a round as the coordinator drives it: each silo has one device that
    /// runs its units in the order given, taking its speed per unit; when a unit finishes, its
    /// other copy (a backup, or the original) is cancelled and frees its slot at once.
    /// </summary>
    private static (int Makespan, Dictionary<string, int> Leased, int Backups) Simulate(int units, Dictionary<string, int> speeds, bool backups)
    {
        var dispatcher = new PullDispatcher(slotsPerSilo: 2);
        dispatcher.SetSilos(speeds.Keys);
        var queues = speeds.Keys.ToDictionary(s => s, _ => new List<int>());
        var busyUntil = speeds.Keys.ToDictionary(s => s, _ => 0);
        var running = speeds.Keys.ToDictionary(s => s, _ => (int?)null);
        var leased = speeds.Keys.ToDictionary(s => s, _ => 0);
        var done = new HashSet<int>();
        int next = 0, backedUp = 0, now = 0;
        while (done.Count < units)
        {
            // Fill free slots, as the coordinator does after every event.
            var full = new HashSet<string>();
            while (dispatcher.Next(now, full) is string silo)
            {
                if (next < units)
                {
                    leased[silo]++;
                    queues[silo].Add(next);
                    dispatcher.Started(silo, next++);
                }
                else if (backups && dispatcher.Backup(silo, u => !done.Contains(u)) is int unit)
                {
                    backedUp++;
                    queues[silo].Add(unit);
                    dispatcher.Started(silo, unit);
                }
                else
                {
                    full.Add(silo);
                }
            }

            foreach (string silo in speeds.Keys.Where(s => running[s] is null && queues[s].Count > 0))
            {
                running[silo] = queues[silo][0];
                busyUntil[silo] = now + speeds[silo];
            }

            now = speeds.Keys.Where(s => running[s] is not null).Min(s => busyUntil[s]);
            foreach (string silo in speeds.Keys.Where(s => running[s] is not null && busyUntil[s] == now).Order(StringComparer.Ordinal))
            {
                if (running[silo] is not int unit)
                {
                    continue; // cancelled a moment ago: another silo finished the same unit first
                }

                running[silo] = null;
                queues[silo].Remove(unit);
                dispatcher.Settled(silo, unit);
                if (done.Add(unit))
                {
                    foreach (string other in speeds.Keys.Where(o => o != silo && queues[o].Contains(unit)))
                    {
                        queues[other].Remove(unit);
                        if (running[other] == unit)
                        {
                            running[other] = null;
                        }

                        dispatcher.Settled(other, unit);
                    }
                }
            }
        }

        return (now, leased, backedUp);
    }
}
