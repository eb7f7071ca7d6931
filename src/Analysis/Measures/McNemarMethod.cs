namespace Geode.Analysis.Measures;

/// <summary>How a McNemar p-value was computed.</summary>
public enum McNemarMethod
{
    /// <summary>Exact two-sided binomial test of min(b, c) under Binomial(b + c, ½).</summary>
    ExactBinomial,

    /// <summary>Chi-square with one degree of freedom and Edwards' continuity correction.</summary>
    ChiSquareCorrected,
}
