using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace Geode.Grains.Storage;

/// <summary>
/// Writes grain state through a storage outage: a write that fails because the store cannot be
/// reached is tried again, a little later each time (at most <see cref="MaxBackoff"/> apart), until
/// the store answers or the caller gives up. The grain meanwhile waits — a campaign pauses instead
/// of failing — and nothing it holds in memory is lost.
/// </summary>
/// <remarks>
/// A write cut off by the outage may still have landed (the store applied it, the answer never
/// came back), leaving the store with an etag the grain never saw: the next write is refused as a
/// conflict. After an outage such a conflict is this grain's own write, so it reads the stored
/// version, and when that is not ahead of its own (<c>storedIsBehind</c>) writes its state again
/// over it. A stored version that is ahead means another activation wrote it: the grain takes the
/// stored state (the truth) and the conflict is thrown, as without an outage.
/// </remarks>
public sealed class PatientStorage(IStorageOutages outages, ILogger<PatientStorage> log)
{
    /// <summary>
    /// The longest wait between two tries: short, because it is how long a write may still wait
    /// once the store is back (a try made while it is down waits in the client's queue, seconds,
    /// and goes out as soon as the connection is up again).
    /// </summary>
    public static TimeSpan MaxBackoff { get; } = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(250);

    /// <summary>Writes <paramref name="state"/>, waiting out storage outages.</summary>
    /// <typeparam name="T">The state's type.</typeparam>
    /// <param name="state">The grain's state.</param>
    /// <param name="subject">What the state belongs to, for the log (<c>campaign ID</c>).</param>
    /// <param name="storedIsBehind">Given the stored state and the grain's own, whether the stored one is not ahead of the grain's (so overwriting it loses nothing).</param>
    /// <param name="waiting">Told the outage's error when the first try fails, and null when the write lands after one; may be null.</param>
    /// <param name="cancellationToken">Stops waiting (the state may then be unsaved).</param>
    /// <exception cref="InconsistentStateException">Another activation wrote the state (after an outage, <paramref name="state"/> then holds the stored one).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while the store was down.</exception>
    public async Task WriteAsync<T>(IPersistentState<T> state, string subject, Func<T, T, bool> storedIsBehind, Action<Exception?>? waiting, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(storedIsBehind);
        DateTime? down = null;
        bool resync = false;
        TimeSpan backoff = FirstBackoff;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (resync)
                {
                    await TakeStoredEtag(state, subject, storedIsBehind);
                    resync = false;
                }

                await state.WriteStateAsync(cancellationToken);
                if (down is DateTime since)
                {
                    log.LogInformation("{Subject}: storage answers again; the state was written after {Seconds:F0} s", subject, (DateTime.UtcNow - since).TotalSeconds);
                    waiting?.Invoke(null);
                }

                return;
            }
            catch (InconsistentStateException) when (down is not null && !resync)
            {
                // Perhaps our own write cut off by the outage: look at what the store holds.
                resync = true;
            }
            catch (Exception e) when (outages.IsOutage(e) && !cancellationToken.IsCancellationRequested)
            {
                if (down is null)
                {
                    down = DateTime.UtcNow;
                    log.LogWarning("{Subject}: storage cannot be reached ({Error}); the state is kept in memory and written when it answers", subject, e.GetBaseException().GetType().Name);
                    waiting?.Invoke(e);
                }

                await Task.Delay(backoff, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>
    /// Reads the stored state for its etag and, when it is not ahead, puts the grain's own state
    /// back to be written over it. When it is ahead it is the truth: the grain keeps it, and the
    /// conflict is thrown.
    /// </summary>
    private async Task TakeStoredEtag<T>(IPersistentState<T> state, string subject, Func<T, T, bool> storedIsBehind)
    {
        T mine = state.State;
        try
        {
            await state.ReadStateAsync();
        }
        catch
        {
            state.State = mine;
            throw;
        }

        if (state.RecordExists && !storedIsBehind(state.State, mine))
        {
            throw new InconsistentStateException($"{subject}: the stored state is ahead of this activation's; another activation wrote it.");
        }

        state.State = mine;
        log.LogInformation("{Subject}: the stored state is not ahead of this activation's (a write cut off by the outage landed, or the store lost its last writes); writing over it", subject);
    }
}
