using Geode.Analysis.Measures;
using Xunit.Abstractions;

namespace Geode.Analysis.Tests.Measures;

/// <summary>The percentile bootstrap for a rate: coverage by simulation, determinism, edge cases.</summary>
public sealed class BootstrapIntervalTests(ITestOutputHelper log)
{
    [Fact]
    public void The_95_percent_interval_covers_the_true_rate_in_at_least_93_percent_of_samples()
    {
        // 1,000 samples of n = 50 outcomes with true rate 0.3; each gets its own bootstrap seed.
        // The percentile bootstrap of a proportion behaves like the Wald interval (a little under 95%
        // for n = 50), hence the 93% floor rather than 95%.
        const int Samples = 1000, N = 50;
        const double TrueRate = 0.3;
        var random = new Random(2024);
        int covered = 0;
        for (int s = 0; s < Samples; s++)
        {
            int successes = 0;
            for (int i = 0; i < N; i++)
            {
                if (random.NextDouble() < TrueRate)
                {
                    successes++;
                }
            }

            RateInterval interval = BootstrapInterval.ForRate(successes, N, seed: (ulong)s);
            if (interval.Lower <= TrueRate && TrueRate <= interval.Upper)
            {
                covered++;
            }
        }

        double coverage = (double)covered / Samples;
        log.WriteLine($"coverage of the 95% percentile-bootstrap interval (n = {N}, p = {TrueRate}, {Samples} samples, B = 2000): {coverage:F3}");
        Assert.True(coverage >= 0.93, $"coverage {coverage:F3}");
    }

    [Fact]
    public void The_same_seed_gives_the_same_interval_and_another_seed_may_not()
    {
        RateInterval first = BootstrapInterval.ForRate(12, 40, seed: 5);
        RateInterval again = BootstrapInterval.ForRate(12, 40, seed: 5);

        Assert.Equal(first, again);
        Assert.Equal(0.3, first.Rate, 12);
        Assert.InRange(first.Rate, first.Lower, first.Upper);
        Assert.Equal((2000, 0.95, 40), (first.Resamples, first.Confidence, first.N));
    }

    [Fact]
    public void The_interval_from_outcomes_equals_the_interval_from_counts()
    {
        bool[] outcomes = [true, false, false, true, true, false, false, false, true, false];

        Assert.Equal(BootstrapInterval.ForRate(4, 10, seed: 9), BootstrapInterval.ForRate(outcomes, seed: 9));
    }

    [Fact]
    public void A_rate_of_zero_or_one_has_a_degenerate_interval()
    {
        RateInterval none = BootstrapInterval.ForRate(0, 20);
        RateInterval all = BootstrapInterval.ForRate(20, 20);

        Assert.Equal((0.0, 0.0), (none.Lower, none.Upper));
        Assert.Equal((1.0, 1.0), (all.Lower, all.Upper));
    }

    [Fact]
    public void The_interval_is_roughly_the_normal_width()
    {
        // For 30 of 100 the standard error is √(0.3·0.7/100) = 0.0458, so the 95% interval is about
        // 0.3 ± 0.090; the bootstrap should land within a couple of hundredths of that.
        RateInterval interval = BootstrapInterval.ForRate(30, 100, resamples: 5000, seed: 3);

        Assert.InRange(interval.Lower, 0.19, 0.23);
        Assert.InRange(interval.Upper, 0.37, 0.41);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BootstrapInterval.ForRate(1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BootstrapInterval.ForRate(5, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => BootstrapInterval.ForRate(1, 4, confidence: 1));
    }
}
