namespace Geode.Model.Inference;

/// <summary>
/// The cancellation of the torch work running on this thread. A model worker sets it around each
/// work item; every forward pass checks it, so a cancelled campaign or a stopping silo interrupts a
/// long trial within one forward pass instead of after minutes — and never leaves torch running
/// while the process exits.
/// </summary>
public static class WorkCancellation
{
    [ThreadStatic]
    private static CancellationToken _current;

    /// <summary>The token in force on this thread (none outside a worker).</summary>
    public static CancellationToken Current => _current;

    /// <summary>Puts <paramref name="token"/> in force on this thread until the returned scope is disposed.</summary>
    public static Scope Enter(CancellationToken token)
    {
        CancellationToken previous = _current;
        _current = token;
        return new Scope(previous);
    }

    /// <summary>Throws <see cref="OperationCanceledException"/> when the work on this thread was cancelled.</summary>
    public static void ThrowIfCancelled() => _current.ThrowIfCancellationRequested();

    /// <summary>Restores the token that was in force before <see cref="Enter"/>.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly CancellationToken _previous;

        internal Scope(CancellationToken previous) => _previous = previous;

        /// <inheritdoc />
        public void Dispose() => _current = _previous;
    }
}
