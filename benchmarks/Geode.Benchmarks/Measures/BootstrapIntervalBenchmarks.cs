using BenchmarkDotNet.Attributes;
using Geode.Analysis.Measures;
using Geode.Analysis.Prompts;

namespace Geode.Benchmarks.Measures;

/// <summary>
/// The 95% percentile-bootstrap intervals a baseline reports: one per category of the built-in set
/// (40 to 50 prompts each) at 2,000 resamples, i.e. about 680,000 draws for the eight categories.
/// </summary>
/// <remarks>
/// Not sealed: BenchmarkDotNet derives a runnable type from every benchmark class. McNemar's test
/// has no suite: it is one pass over the paired outcomes and at most 24 terms of a binomial sum,
/// well under a microsecond for a few hundred prompts.
/// </remarks>
[MemoryDiagnoser]
public class BootstrapIntervalBenchmarks
{
    /// <summary>Each category's prompt count and a refusal count of about a third of it.</summary>
    internal (int Refused, int Prompts)[] Categories { get; private set; } = [];

    /// <summary>Counts the built-in set's categories.</summary>
    [GlobalSetup]
    public void Setup() =>
        Categories = [.. PromptSet.Builtin().Records.GroupBy(r => r.Category, StringComparer.Ordinal).Select(g => (g.Count() / 3, g.Count()))];

    /// <summary>Eight intervals, one per category.</summary>
    [Benchmark]
    public RateInterval[] PerCategory() => [.. Categories.Select(c => BootstrapInterval.ForRate(c.Refused, c.Prompts))];
}
