namespace Geode.Analysis.Measures;

/// <summary>A rate with its bootstrap confidence interval and how it was computed.</summary>
/// <param name="Rate">The observed rate, successes / n.</param>
/// <param name="Lower">The lower end of the interval.</param>
/// <param name="Upper">The upper end of the interval.</param>
/// <param name="N">The sample size.</param>
/// <param name="Confidence">The nominal coverage, e.g. 0.95.</param>
/// <param name="Resamples">The number of bootstrap resamples.</param>
/// <param name="Seed">The seed of the resampling.</param>
public sealed record RateInterval(double Rate, double Lower, double Upper, int N, double Confidence, int Resamples, ulong Seed);
