namespace Geode.Grains.Dispatch;

/// <summary>
/// Decides, for a campaign coordinator, which compute silo gets the next unit of a round (DESIGN §3,
/// issue 8): each silo holds at most <see cref="SlotsPerSilo"/> units, and gets a new one only when
/// one of its own settles — so a silo twice as fast pulls twice the work, with no fixed split. When
/// nothing is left to lease, a silo with a free slot may run a backup copy of a unit still running
/// elsewhere, which bounds the tail a slow silo would otherwise leave.
/// </summary>
/// <remarks>
/// Plain bookkeeping with no Orleans and no clock of its own (times are milliseconds the caller
/// passes in), so its rules are tested in closed form. Silos are named by any stable string (the
/// coordinator uses the silo address); the empty string stands for "wherever placement chooses"
/// when no compute silo is known.
/// </remarks>
/// <param name="slotsPerSilo">Units a silo may hold at once: 2 keeps one running and one queued, so
/// the device never waits for the coordinator's round trip.</param>
public sealed class PullDispatcher(int slotsPerSilo = PullDispatcher.DefaultSlots)
{
    /// <summary>The default depth: one unit running, one queued.</summary>
    public const int DefaultSlots = 2;

    private const long FirstBackoffMs = 250;
    private const long MaxBackoffMs = 4000;

    private readonly Dictionary<string, SiloSlots> _silos = new(StringComparer.Ordinal);
    private readonly Dictionary<int, List<UnitCopy>> _copies = [];
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
            .Where(s => s.Value.Held < SlotsPerSilo && s.Value.CoolUntilMs <= nowMs && (skip is null || !skip.Contains(s.Key)))
            .OrderBy(s => s.Value.Held)
            .ThenBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => s.Key)
            .FirstOrDefault();

    /// <summary>Records that <paramref name="unit"/> was sent to <paramref name="silo"/> (a first copy, or a backup).</summary>
    public void Started(string silo, int unit)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (_silos.TryGetValue(silo, out SiloSlots? slots))
        {
            slots.Held++;
        }

        if (!_copies.TryGetValue(unit, out List<UnitCopy>? copies))
        {
            _copies[unit] = copies = [];
        }

        copies.Add(new UnitCopy(silo, ++_sequence));
    }

    /// <summary>
    /// Records that <paramref name="unit"/>'s copy on <paramref name="silo"/> settled (result, error
    /// or cancellation), freeing that silo's slot. Returns the copies of the unit still out.
    /// </summary>
    public int Settled(string silo, int unit)
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

        copies.RemoveAt(at);
        if (_silos.TryGetValue(silo, out SiloSlots? slots))
        {
            slots.Held--;
        }

        if (copies.Count == 0)
        {
            _copies.Remove(unit);
        }

        return copies.Count;
    }

    /// <summary>Copies of <paramref name="unit"/> out now.</summary>
    public int Copies(int unit) => _copies.TryGetValue(unit, out List<UnitCopy>? copies) ? copies.Count : 0;

    /// <summary>Units <paramref name="silo"/> holds now (its own slots' count).</summary>
    public int Held(string silo) => _silos.TryGetValue(silo, out SiloSlots? slots) ? slots.Held : 0;

    /// <summary>
    /// The unit <paramref name="silo"/> should back up when nothing is left to lease: the one sent
    /// out earliest among those with a single copy out, on another silo, that
    /// <paramref name="eligible"/> allows (the coordinator excludes units whose result is in).
    /// Null when there is none.
    /// </summary>
    public int? Backup(string silo, Func<int, bool>? eligible = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        int? best = null;
        long oldest = long.MaxValue;
        foreach ((int unit, List<UnitCopy> copies) in _copies)
        {
            if (copies.Count == 1 && copies[0].Silo != silo && copies[0].Sequence < oldest && (eligible is null || eligible(unit)))
            {
                oldest = copies[0].Sequence;
                best = unit;
            }
        }

        return best;
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
        long[] ends = [.. _silos.Values.Where(s => s.Held < SlotsPerSilo && s.CoolUntilMs > nowMs).Select(s => s.CoolUntilMs)];
        return ends.Length == 0 ? null : ends.Min();
    }

    private sealed class SiloSlots
    {
        public int Held { get; set; }

        public int Failures { get; set; }

        public long CoolUntilMs { get; set; }
    }

    private sealed record UnitCopy(string Silo, long Sequence);
}
