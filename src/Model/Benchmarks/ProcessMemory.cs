using System.Globalization;

namespace Geode.Model.Benchmarks;

/// <summary>This process's resident memory, from <c>/proc/self/status</c> (0 where /proc is absent).</summary>
public static class ProcessMemory
{
    /// <summary>Resident memory now (VmRSS), in bytes.</summary>
    public static long CurrentResidentBytes() => Read("VmRSS:");

    /// <summary>The most resident memory this process has had (VmHWM), in bytes.</summary>
    public static long PeakResidentBytes() => Read("VmHWM:");

    private static long Read(string field)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return 0;
        }

        string? line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
