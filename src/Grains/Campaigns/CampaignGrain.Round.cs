using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Geode.Grains.Dispatch;
using Geode.Grains.Placement;
using Geode.Grains.Telemetry;
using Geode.Model;
using Microsoft.Extensions.Logging;

namespace Geode.Grains.Campaigns;

/// <summary>The coordinator's dispatch loop: one round of a stage, pulled by the compute silos.</summary>
public sealed partial class CampaignGrain
{
    private const int MaxAttempts = 5;

    // Saving the whole record after every unit made the coordinator the bottleneck at scale. A save
    // that lags by a second costs at most a second of units redone after a crash, and redoing a unit
    // is harmless: its artifact is rewritten, and aggregators take each shard once.
    private static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(1);

    // How often the loop looks at membership when no unit settles (long trials), so a silo that
    // joins mid-round gets work.
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    // The coordinator's own time in the running round (not waiting); added to the record when the round ends.
    private CoordinatorClock _own = new();

    // Primary-constructor parameters, for the round loop (a nested class cannot reach them).
    private GeodeMetrics Metrics => metrics;

    private ILogger<CampaignGrain> Log => log;

    private async Task RunRound<T>(string round, int items, int size, List<int> units, Func<ShardLease, string, CancellationToken, Task<T>> call, Func<ShardLease, T, Task<(long Tokens, string Silo)>> merge)
    {
        if (Record.FinishedRounds.Contains(round))
        {
            return;
        }

        if (Record.Round != round || Record.Ledger is null)
        {
            Record.Round = round;
            Record.Ledger = ShardLedger.Plan(items, size);
            Record.Units = units;
            await Save();
        }

        var loop = new RoundLoop<T>(this, round, Record.Ledger, call, merge);
        _own.Start();
        try
        {
            await loop.Run();
        }
        finally
        {
            _own.Stop();
            Record.CoordinatorSeconds += _own.CpuSeconds;
            Record.CoordinatorWallSeconds += _own.WallSeconds;
            _own = new CoordinatorClock();
            loop.Abandon();
        }

        // Cancelled, or this activation is going away: the stage must not go on with a partial round.
        if (!Running || _cancel.IsCancellationRequested || !Record.Ledger!.IsComplete)
        {
            throw new OperationCanceledException($"The {round} round stopped before it was complete.");
        }

        Record.RoundSeconds[$"{Record.Stages[Record.StageIndex]}/{round}"] = Math.Round(loop.WallSeconds, 3);
        Record.FinishedRounds.Add(round);
        await Save();
    }

    /// <summary>The names the dispatcher knows the live compute silos by; one unnamed slot set ("anywhere") while none is known.</summary>
    private string[] ComputeSiloNames()
    {
        string[] names = [.. computeSilos.Live().Select(s => s.ToParsableString())];
        return names.Length == 0 ? [string.Empty] : names;
    }

    /// <summary>
    /// The state of one round's loop on this activation: the calls out, the merges running, and
    /// the dispatcher that decides which silo gets the next unit.
    /// </summary>
    private sealed class RoundLoop<T>(CampaignGrain grain, string round, ShardLedger ledger, Func<ShardLease, string, CancellationToken, Task<T>> call, Func<ShardLease, T, Task<(long Tokens, string Silo)>> merge)
    {
        private readonly PullDispatcher _dispatcher = new();
        private readonly Dictionary<Task, UnitCall<T>> _calls = [];
        private readonly Dictionary<Task, UnitCall<T>> _merges = [];
        private readonly HashSet<int> _merging = [];
        private readonly Dictionary<int, int> _failures = [];
        private readonly Stopwatch _wall = new();
        private readonly string _stage = grain.Record.Stages[grain.Record.StageIndex];
        private readonly string _kind = round == "shards" ? GeodeMetrics.Shard : GeodeMetrics.Trial;
        private readonly string _prefix = $"{grain.GetPrimaryKeyString()}/{grain.Record.Stages[grain.Record.StageIndex]}/{round}";
        private bool _dirty;
        private long _savedAt;

        public double WallSeconds => _wall.Elapsed.TotalSeconds;

        // The loop's clock for the dispatcher and the saves: the round's own stopwatch, finer than Environment.TickCount64 (a coarse clock), which matters when units take tens of milliseconds.
        private long NowMs => _wall.ElapsedMilliseconds;

        public async Task Run()
        {
            // Leases held when the last activation ended have no one waiting for them: run them again.
            ledger.Expire(DateTimeOffset.MaxValue);
            _wall.Start();
            _savedAt = NowMs;
            Task tick = Task.Delay(RefreshInterval);
            while (grain.Running && !grain._cancel.IsCancellationRequested && !ledger.IsComplete)
            {
                long now = NowMs;
                _dispatcher.SetSilos(grain.ComputeSiloNames());
                Launch(now);
                if (_dirty && now - _savedAt >= SaveInterval.TotalMilliseconds)
                {
                    // Only the save's synchronous part (copying the record) is the coordinator's own time.
                    Task saving = grain.Save();
                    grain._own.Stop();
                    await saving;
                    grain._own.Start();
                    _savedAt = NowMs;
                    _dirty = false;
                }

                var waits = new List<Task>(_calls.Count + _merges.Count + 2);
                waits.AddRange(_calls.Keys);
                waits.AddRange(_merges.Keys);
                waits.Add(tick);
                if (_dispatcher.CoolingUntil(now) is long until)
                {
                    waits.Add(Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, until - now))));
                }

                grain._own.Stop();
                Task done = await Task.WhenAny(waits);
                grain._own.Start();
                if (!grain.Running || grain._cancel.IsCancellationRequested)
                {
                    return;
                }

                if (done == tick)
                {
                    tick = Task.Delay(RefreshInterval);
                }
                else if (_calls.Remove(done, out UnitCall<T>? settled))
                {
                    await Settle(settled);
                }
                else if (_merges.Remove(done, out UnitCall<T>? merged))
                {
                    await Merged(merged, (Task<(long Tokens, string Silo)>)done);
                }
            }

            _wall.Stop();
        }

        /// <summary>Cancels and forgets whatever is still out: losing backups at the end of a round, everything when the campaign stops.</summary>
        public void Abandon()
        {
            foreach (UnitCall<T> abandoned in _calls.Values)
            {
                abandoned.Cancel.Cancel();
                abandoned.Cancel.Dispose();
            }

            grain.Metrics.UnitsSettled(_stage, _kind, _calls.Count);
            _calls.Clear();
        }

        /// <summary>Fills every free slot: the next waiting unit, or, when none waits, a backup of the unit expected to finish last elsewhere, when one would finish sooner (<see cref="PullDispatcher.Backup"/>).</summary>
        private void Launch(long now)
        {
            HashSet<string>? full = null;
            while (_dispatcher.Next(now, full) is string silo)
            {
                if (ledger.Lease(silo.Length == 0 ? "coordinator" : silo, DateTimeOffset.UtcNow) is { } lease)
                {
                    Start(lease, silo, backup: false, now);
                }
                else if (_dispatcher.Backup(silo, now, unit => !_merging.Contains(unit) && ledger.Shards[unit].State == ShardState.Leased) is int unit
                    && _calls.Values.FirstOrDefault(c => c.Lease.Index == unit) is { } original)
                {
                    Start(original.Lease, silo, backup: true, now);
                }
                else
                {
                    (full ??= new HashSet<string>(StringComparer.Ordinal)).Add(silo);
                }
            }
        }

        private void Start(ShardLease lease, string silo, bool backup, long now)
        {
            CampaignRecord record = grain.Record;
            string key = backup ? $"{_prefix}/{lease.Index}/{lease.Attempt}.{++record.Backups}" : $"{_prefix}/{lease.Index}/{lease.Attempt}";
            var cancel = CancellationTokenSource.CreateLinkedTokenSource(grain._cancel.Token);
            if (!backup)
            {
                grain._partial[key] = 0;
            }

            Task<T> task = PlacementPin.Call(silo, () => call(lease, key, cancel.Token));
            _dispatcher.Started(silo, lease.Index, now);
            _calls[task] = new UnitCall<T>(lease, silo, key, backup, cancel, task);
            record.Launched++;
            grain.Metrics.UnitLaunched(_stage, _kind);
            _dirty = true;
        }

        private async Task Settle(UnitCall<T> settled)
        {
            int index = settled.Lease.Index;
            int copies = _dispatcher.Settled(settled.Silo, index, NowMs, settled.Task.IsCompletedSuccessfully);
            grain.Metrics.UnitsSettled(_stage, _kind);
            grain._partial.Remove(settled.Key);
            settled.Cancel.Dispose();
            bool taken = _merging.Contains(index) || ledger.Shards[index].State == ShardState.Done;
            if (settled.Task.IsCompletedSuccessfully)
            {
                _dispatcher.Reached(settled.Silo);
                if (taken)
                {
                    grain.Record.Duplicates++;
                    _dirty = true;
                    return;
                }

                // The first result wins: the other copy, if any, is now wasted work on its device.
                foreach (UnitCall<T> other in _calls.Values.Where(c => c.Lease.Index == index))
                {
                    other.Cancel.Cancel();
                }

                _merging.Add(index);
                T outcome = await settled.Task;
                Task<(long Tokens, string Silo)> merging;
                try
                {
                    merging = merge(settled.Lease, outcome);
                }
                catch (Exception e)
                {
                    merging = Task.FromException<(long, string)>(e);
                }

                _merges[merging] = settled;
                return;
            }

            // A copy that lost to a result already in (cancelled, or failed late) is no news.
            if (!taken)
            {
                Failed(settled, settled.Task.Exception?.InnerException ?? new OperationCanceledException(), copies);
            }
        }

        private async Task Merged(UnitCall<T> merged, Task<(long Tokens, string Silo)> merging)
        {
            int index = merged.Lease.Index;
            _merging.Remove(index);
            try
            {
                (long tokens, string silo) = await merging;
                CampaignRecord record = grain.Record;
                record.Tokens += tokens;
                record.Silos[silo] = record.Silos.GetValueOrDefault(silo) + 1;
                record.Merged++;
                ledger.Complete(merged.Lease);
                _dirty = true;
            }
            catch (Exception e) when (!grain._cancel.IsCancellationRequested)
            {
                Failed(merged, e, _dispatcher.Copies(index));
            }
        }

        /// <summary>
        /// A copy failed. A silo that died, cannot be reached or is stopping (its worker cancels its
        /// work) is the cluster's problem, not the unit's: that silo rests while membership catches
        /// up, and the unit goes to another, as often as it takes. Any other failure is the unit's
        /// own, and five of those fail the campaign; bad input, or prompts a stage cannot do without
        /// (<see cref="PromptFailuresException"/>), fail it at once. A prompt that fails on its own
        /// does not fail its shard at all: the shard grain isolates it and the shard merges without it.
        /// </summary>
        private void Failed(UnitCall<T> copy, Exception e, int copiesLeft)
        {
            if (grain._cancel.IsCancellationRequested)
            {
                return;
            }

            int index = copy.Lease.Index;
            bool transport = e is OrleansException or TimeoutException or OperationCanceledException;

            // A shard whose every prompt failed on one silo may be that silo's fault: like an
            // unreachable one, it rests and the shard goes to another, with no attempt counted.
            bool suspect = e is SuspectShardException;
            int failed = transport || suspect ? _failures.GetValueOrDefault(index) : _failures[index] = _failures.GetValueOrDefault(index) + 1;
            grain.Record.Retries++;
            grain.Metrics.UnitFailed(_stage, _kind);
            string kind = transport ? " (silo unreachable)" : suspect ? " (every prompt failed there)" : $" ({failed}/{MaxAttempts})";
            grain.Log.LogWarning("Campaign {Id}: {Round} unit {Index} attempt {Attempt} failed{Kind}: {Error}", grain.Record.Request!.Id, round, index, copy.Lease.Attempt, kind, e.Message);
            if (transport || suspect)
            {
                _dispatcher.Unreachable(copy.Silo, NowMs);
            }
            else if (failed >= MaxAttempts || e is BadInputException or PromptFailuresException)
            {
                // Prompts that failed on their own where the stage needs them fail again on retry.
                ExceptionDispatchInfo.Throw(e);
            }

            // Another copy still running carries the unit on; otherwise it waits for a free slot.
            if (copiesLeft == 0)
            {
                ledger.Retry(copy.Lease);
            }

            _dirty = true;
        }
    }
}
