using System.Runtime.InteropServices;

namespace Geode.Model.Native;

/// <summary>
/// The CPU time the calling thread has used, for measuring a piece of synchronous work by what it
/// costs rather than by how long it took: on a shared or oversubscribed machine the wall time of a
/// short segment mostly measures the scheduler.
/// </summary>
/// <remarks>Linux: <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>, nanosecond resolution. Elsewhere
/// <see cref="IsSupported"/> is false and <see cref="Now"/> returns zero.</remarks>
public static partial class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>Whether this platform reports per-thread CPU time.</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux();

    /// <summary>The calling thread's CPU time so far (zero where unsupported).</summary>
    public static TimeSpan Now()
    {
        if (!IsSupported || clock_gettime(ClockThreadCpuTimeId, out Timespec time) != 0)
        {
            return TimeSpan.Zero;
        }

        return TimeSpan.FromTicks((time.Seconds * TimeSpan.TicksPerSecond) + (time.Nanoseconds / 100));
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int clock_gettime(int clock, out Timespec time);
}
