using Geode.Analysis.Measures;
using Geode.Benchmarks.Measures;

namespace Geode.Benchmarks.Tests;

public sealed class BootstrapIntervalBenchmarksTests
{
    [Fact]
    public void PerCategory_RunOnce_GivesNormalWidthIntervalsAroundEachRate()
    {
        BootstrapIntervalBenchmarks suite = BenchmarkRun.SetUp<BootstrapIntervalBenchmarks>();

        var intervals = (RateInterval[])BenchmarkRun.RunAll(suite)["PerCategory"]!;

        Assert.Equal(8, intervals.Length);
        Assert.Equal(340, intervals.Sum(i => i.N));
        foreach ((RateInterval interval, (int refused, int prompts)) in intervals.Zip(suite.Categories))
        {
            double rate = (double)refused / prompts;
            Assert.Equal(rate, interval.Rate);
            Assert.InRange(rate, interval.Lower, interval.Upper);

            // The Wald width 2 · 1.96 · √(p(1 − p)/n), within the bootstrap's discreteness.
            double wald = 2 * 1.96 * Math.Sqrt(rate * (1 - rate) / prompts);
            Assert.InRange(interval.Upper - interval.Lower, 0.7 * wald, 1.3 * wald);
        }
    }
}
