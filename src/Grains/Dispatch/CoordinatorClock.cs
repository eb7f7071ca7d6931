using System.Diagnostics;
using Geode.Model.Native;

namespace Geode.Grains.Dispatch;

/// <summary>
/// Adds up the coordinator's own time: the synchronous segments of its dispatch loop (bookkeeping,
/// launching calls, merging results, the synchronous part of a save), never the awaits between them.
/// Both the wall time of those segments and the CPU time its thread spent in them, since on a busy
/// machine a segment's wall time includes the time its thread waited for a core.
/// </summary>
internal sealed class CoordinatorClock
{
    private long _startedWall;
    private TimeSpan _startedCpu;
    private int _thread;
    private bool _running;

    /// <summary>Wall seconds of the measured segments.</summary>
    public double WallSeconds { get; private set; }

    /// <summary>CPU seconds the coordinator's thread spent in them (the wall seconds where the platform does not report thread CPU time).</summary>
    public double CpuSeconds { get; private set; }

    /// <summary>Starts a segment; the caller must not await before <see cref="Stop"/>.</summary>
    public void Start()
    {
        _startedWall = Stopwatch.GetTimestamp();
        _startedCpu = ThreadCpuTime.Now();
        _thread = Environment.CurrentManagedThreadId;
        _running = true;
    }

    /// <summary>Ends the segment (nothing when none runs).</summary>
    public void Stop()
    {
        if (!_running)
        {
            return;
        }

        _running = false;
        double wall = Stopwatch.GetElapsedTime(_startedWall).TotalSeconds;
        WallSeconds += wall;

        // A segment that resumed on another thread (an await slipped in) has no CPU reading: count its wall time.
        CpuSeconds += ThreadCpuTime.IsSupported && _thread == Environment.CurrentManagedThreadId
            ? Math.Max(0, (ThreadCpuTime.Now() - _startedCpu).TotalSeconds)
            : wall;
    }
}
