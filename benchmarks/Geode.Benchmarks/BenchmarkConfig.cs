using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Geode.Benchmarks;

/// <summary>The configuration every suite runs under, whatever job the command line picks.</summary>
internal static class BenchmarkConfig
{
    /// <summary>
    /// The default config with every job run in this process, results under artifacts/benchmarks of
    /// the working directory (the repository root, where artifacts/ is ignored by git).
    /// </summary>
    /// <remarks>
    /// In-process because BenchmarkDotNet's default toolchain builds a generated project into
    /// bin/…/Geode.Benchmarks-&lt;Job&gt;-N/ whose copy of libLibTorchSharp.so does not get the
    /// build's GLIBCXX_3.4.32 patch (Directory.Build.targets), so on Debian 12 every torch benchmark
    /// failed with "requires GLIBCXX_3.4.32" in the child; that build also took 85 s of a 2-core
    /// machine per run. The cost is no process isolation between benchmarks, which these suites do
    /// not need: each builds its own inputs in [GlobalSetup] and frees them in [GlobalCleanup].
    /// The job is a mutator, so it adds the toolchain to the job <c>--job</c> names instead of adding a job.
    /// </remarks>
    public static IConfig Create() => DefaultConfig.Instance
        .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).AsMutator())
        .WithArtifactsPath(Path.GetFullPath(Path.Combine("artifacts", "benchmarks")));
}
