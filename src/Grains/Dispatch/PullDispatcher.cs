namespace Geode.Grains.Dispatch;

/// <summary>
/// Decides, for a campaign coordinator, which compute silo gets the next unit of a round (DESIGN §3,
/// issue 8): each silo holds at most <see cref="SlotsPerSilo"/> units, and gets a new one only when
/// one of its own settles — so a silo twice as fast pulls twice the work, with no fixed split. When
/// nothing is left to lease, a silo with a free slot may run a backup copy of a unit still out
/// elsewhere, chosen by when each copy is expected to finish (see <see cref="Backup"/>), which bounds
/// the tail a slow silo would otherwise leave.
/// </summary>
/// <remarks>
/// Plain bookkeeping with no Orleans and no clock of its own (times are milliseconds the caller
/// passes in), so its rules are tested in closed form. Silos are named by any stable string (the
/// coordinator uses the silo address); the empty string stands for "wherever placement chooses"
/// when no compute silo is known. Each silo runs what it holds one at a time in the order sent (a
/// model worker's queue), which is what the expected finish times assume.
/// </remarks>
/// <param name="slotsPerSilo">Units a silo may hold at once: 2 keeps one running and one queued, so
/// the device never waits for the coordinator's round trip.</param>
public sealed class PullDispatcher(int slotsPerSilo = PullDispatcher.DefaultSlots)
{
    /// <summary>The default depth: one unit running, one queued.</summary>
    public const int DefaultSlots = 2;

    private const long FirstBackoffMs = 250;
    private const long MaxBackoffMs = 4000;

    // Weight of the newest unit in a silo's time per unit: enough to follow a silo that slows down
    // within a few units, little enough that one unit delayed by a busy coordinator does not swing it.
    private const double TimeWeight = 0.25;

    private readonly Dictionary<string, SiloSlots> _silos = new(StringComparer.Ordinal);
    private readonly Dictionary<int, List<UnitCopy>> _copies = [];

    // Per silo that was ever sent a copy (also one no longer listed, whose copies still settle):
    // what it holds in the order it runs them, its measured time per unit, when its device came free.
    private readonly Dictionary<string, SiloQueue> _queues = new(StringComparer.Ordinal);
    private long _sequence;

    /// <summary>Units a silo may hold at once.</summary>
    public int SlotsPerSilo { get; } = slotsPerSilo > 0 ? slotsPerSilo : throw new ArgumentOutOfRangeException(nameof(slotsPerSilo), slotsPerSilo, "A silo needs at least one slot.");

    /// <summary>The silos that may get work, in name order.</summary>
    public IReadOnlyList<string> Silos => [.. _silos.Keys.Order(StringComparer.Ordinal)];

    /// <summary>
    /// Makes <paramref name="live"/> the silos that may get work: new ones start empty, ones no
    /// longer listed get nothing more (what they hold still settles through <see cref="Settled"/>).
    /// </summary>
    public void SetSilos(IEnumerable<string> live)
    {
        ArgumentNullException.ThrowIfNull(live);
        var names = new HashSet<string>(live, StringComparer.Ordinal);
        foreach (string gone in _silos.Keys.Where(s => !names.Contains(s)).ToList())
        {
            _silos.Remove(gone);
        }

        foreach (string name in names)
        {
            _silos.TryAdd(name, new SiloSlots());
        }
    }

    /// <summary>
    /// The silo to give the next unit to: a listed silo with a free slot, not cooling down after a
    /// failure, and not in <paramref name="skip"/>; the one with the most free slots first (so a
    /// round starts one unit per silo before any silo gets its second), then by name. Null when none.
    /// </summary>
    public string? Next(long nowMs, IReadOnlySet<string>? skip = null) =>
        _silos
            .Where(s => Held(s.Key) < SlotsPerSilo && s.Value.CoolUntilMs <= nowMs && (skip is null || !skip.Contains(s.Key)))
            .OrderBy(s => Held(s.Key))
            .ThenBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => s.Key)
            .FirstOrDefault();

    /// <summary>Records that <paramref name="unit"/> was sent to <paramref name="silo"/> at <paramref name="nowMs"/> (a first copy, or a backup).</summary>
    public void Started(string silo, int unit, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var copy = new UnitCopy(silo, unit, ++_sequence, nowMs);
        if (!_copies.TryGetValue(unit, out List<UnitCopy>? copies))
        {
            _copies[unit] = copies = [];
        }

        copies.Add(copy);
        SiloQueue queue = Queue(silo);
        if (queue.Held.Count == 0)
        {
            // An idle device starts this copy when it arrives, not when it last came free.
            queue.FreeSinceMs = nowMs;
        }

        queue.Held.Add(copy);
    }

    /// <summary>
    /// Records that <paramref name="unit"/>'s copy on <paramref name="silo"/> settled at
    /// <paramref name="nowMs"/>, freeing that silo's slot. <paramref name="completed"/> says it ran to
    /// the end (a result): only such a copy measures the silo's time per unit, not one that failed
    /// or was cancelled. Returns the copies of the unit still out.
    /// </summary>
    public int Settled(string silo, int unit, long nowMs, bool completed)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (!_copies.TryGetValue(unit, out List<UnitCopy>? copies))
        {
            return 0;
        }

        int at = copies.FindIndex(c => c.Silo == silo);
        if (at < 0)
        {
            return copies.Count;
        }

        UnitCopy copy = copies[at];
        copies.RemoveAt(at);
        if (copies.Count == 0)
        {
            _copies.Remove(unit);
        }

        SiloQueue queue = _queues[silo];
        int position = queue.Held.IndexOf(copy);
        queue.Held.RemoveAt(position);

        // The first copy a silo holds is the one on its device: when it settles the device is free
        // for the next. A queued copy that settles (cancelled before it ran) frees no device time.
        if (position == 0)
        {
            if (completed)
            {
                double took = nowMs - Math.Max(copy.SentMs, queue.FreeSinceMs);
                queue.UnitMs = queue.UnitMs is double before ? before + (TimeWeight * (took - before)) : took;
            }

            queue.FreeSinceMs = nowMs;
        }

        return copies.Count;
    }

    /// <summary>Copies of <paramref name="unit"/> out now.</summary>
    public int Copies(int unit) => _copies.TryGetValue(unit, out List<UnitCopy>? copies) ? copies.Count : 0;

    /// <summary>Units <paramref name="silo"/> holds now (its own slots' count).</summary>
    public int Held(string silo) => _queues.TryGetValue(silo, out SiloQueue? queue) ? queue.Held.Count : 0;

    /// <summary>
    /// The milliseconds per unit <paramref name="silo"/> has taken, from settle to settle while it
    /// was busy (a moving average); null before its first result.
    /// </summary>
    public double? UnitMs(string silo) => _queues.TryGetValue(silo, out SiloQueue? queue) ? queue.UnitMs : null;

    /// <summary>
    /// The unit <paramref name="silo"/> should back up when nothing is left to lease, or null when
    /// no backup would finish sooner than the copies already out. Candidates are units with no copy
    /// on <paramref name="silo"/> that <paramref name="eligible"/> allows (the coordinator excludes
    /// units whose result is in). Each copy's finish is expected from its silo's time per unit and
    /// the copies ahead of it there, and a unit is expected when its first copy is; a backup would
    /// finish after what <paramref name="silo"/> holds, plus its own time per unit. Of the units a
    /// backup would beat, the one expected last is taken: the unit that would end the round.
    /// </summary>
    /// <remarks>
    /// A copy whose silo has no measured time yet, or that has run past twice its expected time (a
    /// straggler), is expected never to finish; of such units only those with a single copy out are
    /// backed up, the oldest first, so that silos that know nothing do not pile copies on one unit.
    /// Backing up the oldest copy always (the rule before) sent a fast silo to race a slow silo's
    /// unit already half done, while the slow silo's queued unit — the one that ended the round —
    /// waited its turn there.
    /// </remarks>
    public int? Backup(string silo, long nowMs, Func<int, bool>? eligible = null)
    {
        ArgumentNullException.ThrowIfNull(silo);

        // A silo with no result yet is taken to be as fast as the fastest measured one.
        double unitMs = UnitMs(silo) ?? FastestUnitMs();
        double backupFinish = Schedule(silo, nowMs, unitMs).Select(f => f.FinishMs).DefaultIfEmpty(nowMs).Max() + unitMs;
        var finishes = new Dictionary<UnitCopy, double>();
        foreach (string other in _queues.Keys.Where(s => s != silo))
        {
            foreach ((UnitCopy copy, double finish) in Schedule(other, nowMs, UnitMs(other)))
            {
                finishes[copy] = finish;
            }
        }

        // Latest expected finish first; among units never expected to finish, fewest copies, then oldest.
        return _copies
            .Where(u => !u.Value.Exists(c => c.Silo == silo))
            .Select(u => (Unit: u.Key, FinishMs: u.Value.Min(c => finishes[c]), Copies: u.Value.Count, Sequence: u.Value.Min(c => c.Sequence)))
            .Where(u => u.FinishMs > backupFinish && (double.IsFinite(u.FinishMs) || u.Copies == 1) && (eligible is null || eligible(u.Unit)))
            .OrderByDescending(u => u.FinishMs)
            .ThenBy(u => u.Copies)
            .ThenBy(u => u.Sequence)
            .Select(u => (int?)u.Unit)
            .FirstOrDefault();
    }

    /// <summary>
    /// Records that a call to <paramref name="silo"/> could not be delivered (the silo died, is
    /// stopping, or placement had nowhere to go): it gets nothing for 250 ms, doubling with each
    /// failure in a row up to 4 s, while membership catches up.
    /// </summary>
    public void Unreachable(string silo, long nowMs)
    {
        if (_silos.TryGetValue(silo, out SiloSlots? slots))
        {
            slots.Failures++;
            slots.CoolUntilMs = nowMs + Math.Min(MaxBackoffMs, FirstBackoffMs << Math.Min(slots.Failures - 1, 4));
        }
    }

    /// <summary>Records that <paramref name="silo"/> answered: its back-off starts over.</summary>
    public void Reached(string silo)
    {
        if (_silos.TryGetValue(silo, out SiloSlots? slots))
        {
            slots.Failures = 0;
            slots.CoolUntilMs = 0;
        }
    }

    /// <summary>When the first silo that has a free slot but is cooling down may take work again; null when none is.</summary>
    public long? CoolingUntil(long nowMs)
    {
        long[] ends = [.. _silos.Where(s => Held(s.Key) < SlotsPerSilo && s.Value.CoolUntilMs > nowMs).Select(s => s.Value.CoolUntilMs)];
        return ends.Length == 0 ? null : ends.Min();
    }

    /// <summary>
    /// When each copy <paramref name="silo"/> holds is expected to finish, in the order it runs them:
    /// <paramref name="unitMs"/> after the previous copy (or after the device came free, or after the
    /// copy was sent), and not before now. Infinity for every copy when the time per unit is not
    /// known, and for a running copy past twice its expected time and every copy behind it.
    /// </summary>
    private IEnumerable<(UnitCopy Copy, double FinishMs)> Schedule(string silo, long nowMs, double? unitMs)
    {
        if (!_queues.TryGetValue(silo, out SiloQueue? queue))
        {
            yield break;
        }

        List<UnitCopy> held = queue.Held;
        double at = queue.FreeSinceMs;
        for (int i = 0; i < held.Count; i++)
        {
            if (unitMs is not double each)
            {
                yield return (held[i], double.PositiveInfinity);
                continue;
            }

            at = Math.Max(at, held[i].SentMs) + each;
            if (i == 0 && nowMs > at + each)
            {
                at = double.PositiveInfinity;
            }

            at = Math.Max(at, nowMs);
            yield return (held[i], at);
        }
    }

    private double FastestUnitMs()
    {
        double[] known = [.. _queues.Values.Where(q => q.UnitMs is not null).Select(q => q.UnitMs!.Value)];
        return known.Length == 0 ? 0 : known.Min();
    }

    private SiloQueue Queue(string silo)
    {
        if (!_queues.TryGetValue(silo, out SiloQueue? queue))
        {
            _queues[silo] = queue = new SiloQueue();
        }

        return queue;
    }

    private sealed class SiloSlots
    {
        public int Failures { get; set; }

        public long CoolUntilMs { get; set; }
    }

    private sealed class SiloQueue
    {
        public List<UnitCopy> Held { get; } = [];

        public double? UnitMs { get; set; }

        public long FreeSinceMs { get; set; }
    }

    private sealed record UnitCopy(string Silo, int Unit, long Sequence, long SentMs);
}
