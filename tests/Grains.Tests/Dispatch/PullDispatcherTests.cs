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
            dispatcher.Started(silo, unit++, 0);
        }

        Assert.Equal(["a", "b", "c", "a", "b", "c"], order);
    }

    [Fact]
    public void Next_WhenEverySlotIsHeld_GivesASiloWorkOnlyWhenOneOfItsOwnUnitsSettles()
    {
        var dispatcher = new PullDispatcher(slotsPerSilo: 2);
        dispatcher.SetSilos(["a", "b"]);
        dispatcher.Started("a", 0, 0);
        dispatcher.Started("b", 1, 0);
        dispatcher.Started("a", 2, 0);
        dispatcher.Started("b", 3, 0);
        Assert.Null(dispatcher.Next(0));

        Assert.Equal(0, dispatcher.Settled("b", 3, 0, completed: true));

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
        // t = 20. With them: at t = 14 fast frees a slot while holding one unit (due at 15), so a
        // backup there would end at 16. Slow holds one unit running since 12 (due at 16) and one
        // queued behind it (due at 20): only the queued one's backup ends sooner, and it is the unit
        // that would end the round. At t = 15 a backup of the running one would end at 17, after
        // slow's own copy: none. The round ends at 16, the ideal (20 units at 1 + 1/4 per time unit).
        var speeds = new Dictionary<string, int> { ["fast"] = 1, ["slow"] = 4 };

        Assert.Equal(20, Simulate(20, speeds, backups: false).Makespan);
        (int makespan, _, int backups) = Simulate(20, speeds, backups: true);

        Assert.Equal(16, makespan);
        Assert.Equal(1, backups);
    }

    [Fact]
    public void Backup_WithHalfTheSilosTwiceAsSlow_EndsTheRoundWhenWholeUnitsAllowAtTheEarliest()
    {
        // The bench's case: 313 units on 8 silos taking 2 time units per unit and 8 taking 4. By time
        // T at most 8⌊T/2⌋ + 8⌊T/4⌋ units can be done: 312 at T = 52 and 53, 320 at 54, so no
        // schedule of whole units ends before 54 (the fluid ideal is 313 / 6 = 52.2).
        var speeds = Enumerable.Range(0, 16).ToDictionary(i => $"silo-{i:D2}", i => i < 8 ? 2 : 4);

        (int makespan, Dictionary<string, int> leased, _) = Simulate(313, speeds, backups: true);

        Assert.Equal(54, makespan);
        Assert.Equal(313, leased.Values.Sum());
    }

    [Fact]
    public void Backup_WithNoTimeKnown_PicksTheOldestUnitWithOneCopyOnAnotherSilo()
    {
        var dispatcher = new PullDispatcher(slotsPerSilo: 2);
        dispatcher.SetSilos(["a", "b", "c"]);
        dispatcher.Started("b", 7, 0);
        dispatcher.Started("a", 3, 0);
        dispatcher.Started("c", 5, 0);

        Assert.Equal(7, dispatcher.Backup("a", 0));
        Assert.Equal(3, dispatcher.Backup("b", 0)); // b's own unit 7 is not backed up on b
        Assert.Equal(3, dispatcher.Backup("c", 0, unit => unit != 7));

        dispatcher.Started("a", 7, 0); // a backs up 7: it now has two copies
        Assert.Equal(2, dispatcher.Copies(7));
        Assert.Equal(3, dispatcher.Backup("c", 0));
        Assert.Equal(1, dispatcher.Settled("b", 7, 0, completed: true));
        Assert.Null(dispatcher.Backup("a", 0, unit => unit == 7)); // its one copy left is a's own
    }

    [Fact]
    public void UnitMs_IsTheTimeFromSettleToSettleWhileBusy_AndLeavesOutCancelledCopies()
    {
        var dispatcher = new PullDispatcher(slotsPerSilo: 2);
        dispatcher.SetSilos(["a"]);
        Assert.Null(dispatcher.UnitMs("a"));

        dispatcher.Started("a", 0, nowMs: 100);
        dispatcher.Started("a", 1, nowMs: 100);
        dispatcher.Settled("a", 0, nowMs: 140, completed: true); // sent at 100 to an idle silo: 40
        Assert.Equal(40, dispatcher.UnitMs("a"));

        dispatcher.Started("a", 2, nowMs: 150);
        dispatcher.Settled("a", 1, nowMs: 200, completed: true); // queued behind unit 0: 200 - 140 = 60
        Assert.Equal(40 + (0.25 * (60 - 40)), dispatcher.UnitMs("a"));

        dispatcher.Started("a", 3, nowMs: 200);
        dispatcher.Settled("a", 3, nowMs: 210, completed: false); // a queued copy cancelled: nothing learnt, the device still busy
        dispatcher.Settled("a", 2, nowMs: 250, completed: false); // the running copy cancelled: nothing learnt, the device free
        dispatcher.Started("a", 4, nowMs: 300);
        dispatcher.Settled("a", 4, nowMs: 320, completed: true); // sent to an idle silo at 300: 20
        Assert.Equal(45 + (0.25 * (20 - 45)), dispatcher.UnitMs("a"));
    }

    [Fact]
    public void Backup_TakesTheUnitExpectedToEndTheRound_NotTheOldest()
    {
        // "slow" takes 40 ms a unit and holds unit 0 (running since 80, due at 120) and unit 1
        // (queued behind it, due at 160); "fast" takes 10 ms and is idle at 100. A backup of either
        // would end at 110; unit 1 is the one that would end the round.
        var dispatcher = new PullDispatcher(slotsPerSilo: 2);
        dispatcher.SetSilos(["fast", "slow"]);
        Learn(dispatcher, "fast", 10, at: 0);
        Learn(dispatcher, "slow", 40, at: 0);
        dispatcher.Started("slow", 0, nowMs: 80);
        dispatcher.Started("slow", 1, nowMs: 80);

        Assert.Equal(1, dispatcher.Backup("fast", nowMs: 100));
        Assert.Equal(0, dispatcher.Backup("fast", nowMs: 100, unit => unit != 1)); // were unit 1 not there

        // With unit 1's backup ahead of it on fast (till 110), a backup of unit 0 would end at 120,
        // no sooner than its copy on slow: nothing to gain.
        dispatcher.Started("fast", 1, nowMs: 100);
        Assert.Null(dispatcher.Backup("fast", nowMs: 100));
    }

    [Fact]
    public void Backup_AddsACopyOnlyWhenItWouldBeatEveryCopyOut()
    {
        // Unit 0 runs on "slow" (40 ms) from 0, due at 40, and was backed up on "mid" (20 ms,
        // idle) at 0, due at 20. "fast" (5 ms) from 0 would end at 5: it beats both, and takes it
        // as a third copy. At 16 it would end at 21, after mid's copy: nothing to gain.
        var dispatcher = new PullDispatcher(slotsPerSilo: 2);
        dispatcher.SetSilos(["fast", "mid", "slow"]);
        Learn(dispatcher, "fast", 5, at: -100);
        Learn(dispatcher, "mid", 20, at: -100);
        Learn(dispatcher, "slow", 40, at: -100);
        dispatcher.Started("slow", 0, nowMs: 0);
        dispatcher.Started("mid", 0, nowMs: 0);

        Assert.Equal(0, dispatcher.Backup("fast", nowMs: 0));
        Assert.Null(dispatcher.Backup("fast", nowMs: 16));
        Assert.Null(dispatcher.Backup("mid", nowMs: 0)); // its own copy is out there
    }

    [Fact]
    public void Backup_TreatsACopyPastTwiceItsTimeAsAStraggler()
    {
        // "slow" takes 40 ms; its unit 0, sent at 0, is due at 40. A 30 ms silo idle at 50 would end
        // at 80, after the 40 (or now, 50) expected: no backup. At 81 the copy has run past twice its
        // time: it is expected never to end, and any backup beats it.
        var dispatcher = new PullDispatcher(slotsPerSilo: 2);
        dispatcher.SetSilos(["other", "slow"]);
        Learn(dispatcher, "other", 30, at: -100);
        Learn(dispatcher, "slow", 40, at: -100);
        dispatcher.Started("slow", 0, nowMs: 0);

        Assert.Null(dispatcher.Backup("other", nowMs: 50));
        Assert.Equal(0, dispatcher.Backup("other", nowMs: 81));
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
        dispatcher.Started("a", 0, 0);

        dispatcher.SetSilos(["b", "c"]);

        Assert.Equal(["b", "c"], dispatcher.Silos);
        Assert.Equal(1, dispatcher.Copies(0));
        Assert.Equal(0, dispatcher.Settled("a", 0, 0, completed: true));
        Assert.Equal(0, dispatcher.Copies(0));
        Assert.Equal("b", dispatcher.Next(0));
    }

    /// <summary>Has an idle <paramref name="silo"/> run one unit (number -1, kept apart from the test's own) from <paramref name="at"/>, taking <paramref name="unitMs"/>.</summary>
    private static void Learn(PullDispatcher dispatcher, string silo, long unitMs, long at)
    {
        dispatcher.Started(silo, -1, at);
        dispatcher.Settled(silo, -1, at + unitMs, completed: true);
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
                    dispatcher.Started(silo, next++, now);
                }
                else if (backups && dispatcher.Backup(silo, now, u => !done.Contains(u)) is int unit)
                {
                    backedUp++;
                    queues[silo].Add(unit);
                    dispatcher.Started(silo, unit, now);
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
                dispatcher.Settled(silo, unit, now, completed: true);
                if (done.Add(unit))
                {
                    foreach (string other in speeds.Keys.Where(o => o != silo && queues[o].Contains(unit)))
                    {
                        queues[other].Remove(unit);
                        if (running[other] == unit)
                        {
                            running[other] = null;
                        }

                        dispatcher.Settled(other, unit, now, completed: false);
                    }
                }
            }
        }

        return (now, leased, backedUp);
    }
}
