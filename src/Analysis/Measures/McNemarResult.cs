namespace Geode.Analysis.Measures;

/// <summary>The outcome of McNemar's paired test between two variants on the same prompts.</summary>
/// <param name="B">Prompts the first variant refused and the second did not.</param>
/// <param name="C">Prompts the second variant refused and the first did not.</param>
/// <param name="Statistic">For the chi-square method (|b − c| − 1)² / (b + c); for the exact method min(b, c).</param>
/// <param name="PValue">The two-sided p-value.</param>
/// <param name="Method">Which test produced the p-value.</param>
public sealed record McNemarResult(int B, int C, double Statistic, double PValue, McNemarMethod Method);
