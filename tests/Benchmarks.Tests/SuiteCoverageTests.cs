using System.Reflection;

namespace Geode.Benchmarks.Tests;

public sealed class SuiteCoverageTests
{
    // Each suite's test runs all of its [Benchmark] methods (BenchmarkRun.RunAll), so a suite with
    // a test class is a suite whose every benchmark has run once and had its answer checked.
    [Fact]
    public void EverySuite_HasATestClass()
    {
        Assembly benchmarks = typeof(Workload.Gemma4Shapes).Assembly;
        string[] suites = [.. benchmarks.GetTypes().Where(t => BenchmarkRun.Methods(t).Any()).Select(t => t.Name).Order(StringComparer.Ordinal)];
        string[] tested = [.. typeof(SuiteCoverageTests).Assembly.GetTypes().Select(t => t.Name)];

        Assert.Equal(9, suites.Length);
        string[] untested = [.. suites.Where(s => !tested.Contains(s + "Tests"))];
        Assert.Equal([], untested);
    }
}
