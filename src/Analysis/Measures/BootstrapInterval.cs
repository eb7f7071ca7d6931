namespace Geode.Analysis.Measures;

/// <summary>Percentile-bootstrap confidence intervals for a rate (a refusal rate per category).</summary>
public static class BootstrapInterval
{
    /// <summary>The default number of resamples.</summary>
    public const int DefaultResamples = 2000;

    /// <summary>The default nominal coverage.</summary>
    public const double DefaultConfidence = 0.95;

    /// <summary>
    /// The percentile-bootstrap interval of the rate of <paramref name="outcomes"/>: draw n
    /// outcomes with replacement <paramref name="resamples"/> times, and take the (1 − c)/2 and
    /// (1 + c)/2 quantiles of the resampled rates (linear interpolation between order statistics).
    /// </summary>
    public static RateInterval ForRate(
        IReadOnlyList<bool> outcomes,
        int resamples = DefaultResamples,
        double confidence = DefaultConfidence,
        ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        return ForRate(outcomes.Count(o => o), outcomes.Count, resamples, confidence, seed);
    }

    /// <summary>The same interval from counts: <paramref name="successes"/> of <paramref name="n"/>.</summary>
    /// <remarks>
    /// A resample's rate depends only on how many drawn indices fall among the successes, so the
    /// outcomes are never materialised: each resample draws n indices in [0, n) and counts those
    /// below <paramref name="successes"/>.
    /// </remarks>
    public static RateInterval ForRate(
        int successes,
        int n,
        int resamples = DefaultResamples,
        double confidence = DefaultConfidence,
        ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, n);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 2);
        if (!(confidence > 0 && confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "Confidence must be in (0, 1).");
        }

        var random = new SplitMix64(seed);
        double[] rates = new double[resamples];
        for (int r = 0; r < resamples; r++)
        {
            int drawn = 0;
            for (int i = 0; i < n; i++)
            {
                if (random.NextInt(n) < successes)
                {
                    drawn++;
                }
            }

            rates[r] = (double)drawn / n;
        }

        Array.Sort(rates);
        double tail = (1 - confidence) / 2;
        return new RateInterval(
            (double)successes / n,
            Quantile(rates, tail),
            Quantile(rates, 1 - tail),
            n,
            confidence,
            resamples,
            seed);
    }

    // The type-7 quantile (R's and NumPy's default) of sorted values.
    private static double Quantile(double[] sorted, double probability)
    {
        double position = (sorted.Length - 1) * probability;
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        double fraction = position - below;
        return sorted[below] + (fraction * (sorted[above] - sorted[below]));
    }
}
