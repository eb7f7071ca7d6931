using Geode.Model.Native;

namespace Geode.Benchmarks.Workload;

/// <summary>Brings torch up the way the CLI does (bundled CPU libtorch, torch's default thread count).</summary>
internal static class TorchStart
{
    /// <summary>Initialises torch once per process; later calls return at once.</summary>
    public static void Once() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);
}
