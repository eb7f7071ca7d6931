namespace Geode.Analysis.Measures;

/// <summary>
/// McNemar's test for two variants (an edit and the base model, two α values…) judged on the same
/// prompts: only the discordant prompts carry evidence, b refused by the first variant alone and
/// c by the second alone; under no difference each is equally likely, b ~ Binomial(b + c, ½).
/// </summary>
public static class McNemarTest
{
    /// <summary>
    /// Below this many discordant pairs the exact binomial test is used; the chi-square
    /// approximation is poor for small b + c (the usual rule of thumb is b + c &lt; 25).
    /// </summary>
    public const int ExactBelow = 25;

    /// <summary>The test from paired outcomes, e.g. refused-or-not per prompt under each variant.</summary>
    public static McNemarResult Compute(IReadOnlyList<bool> first, IReadOnlyList<bool> second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Count != second.Count)
        {
            throw new ArgumentException($"Paired outcomes need equal lengths; got {first.Count} and {second.Count}.", nameof(second));
        }

        int b = 0, c = 0;
        for (int i = 0; i < first.Count; i++)
        {
            if (first[i] && !second[i])
            {
                b++;
            }
            else if (!first[i] && second[i])
            {
                c++;
            }
        }

        return Compute(b, c);
    }

    /// <summary>
    /// The test from the discordant counts. With n = b + c &lt; <see cref="ExactBelow"/>: the exact
    /// two-sided p = min(1, 2 · P(X ≤ min(b, c))) for X ~ Binomial(n, ½). Otherwise the
    /// continuity-corrected statistic (|b − c| − 1)² / n against chi-square with one degree of
    /// freedom, p = erfc(√(statistic / 2)). With n = 0 there is no evidence: statistic 0, p = 1.
    /// </summary>
    public static McNemarResult Compute(int b, int c)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(b);
        ArgumentOutOfRangeException.ThrowIfNegative(c);
        int n = b + c;
        if (n < ExactBelow)
        {
            int smaller = Math.Min(b, c);
            return new McNemarResult(b, c, smaller, Math.Min(1.0, 2 * BinomialHalfCdf(smaller, n)), McNemarMethod.ExactBinomial);
        }

        double excess = Math.Max(Math.Abs(b - c) - 1, 0);
        double statistic = excess * excess / n;
        return new McNemarResult(b, c, statistic, SpecialFunctions.ChiSquareOneDofUpperTail(statistic), McNemarMethod.ChiSquareCorrected);
    }

    // P(X ≤ k) for X ~ Binomial(n, ½): Σ_{i ≤ k} C(n, i) / 2ⁿ, the terms built up in log space so
    // that large n never overflows C(n, i) or underflows 2⁻ⁿ before the product is taken.
    private static double BinomialHalfCdf(int k, int n)
    {
        double logTerm = -n * Math.Log(2);
        double sum = Math.Exp(logTerm);
        for (int i = 0; i < k; i++)
        {
            logTerm += Math.Log(n - i) - Math.Log(i + 1);
            sum += Math.Exp(logTerm);
        }

        return sum;
    }
}
