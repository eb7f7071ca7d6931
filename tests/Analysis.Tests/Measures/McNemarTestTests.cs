using Geode.Analysis.Measures;

namespace Geode.Analysis.Tests.Measures;

/// <summary>McNemar's paired test against worked examples.</summary>
public sealed class McNemarTestTests
{
    [Fact]
    public void The_textbook_example_matches_the_corrected_chi_square()
    {
        // b = 21, c = 9, n = 30 ≥ 25, so chi-square with continuity correction:
        // (|21 − 9| − 1)² / 30 = 11² / 30 = 121 / 30 = 4.0333…
        // p = P(χ²₁ ≥ 4.0333) = erfc(√(4.0333 / 2)) = erfc(1.42009) = 0.044610 (Python: math.erfc).
        McNemarResult result = McNemarTest.Compute(21, 9);

        Assert.Equal(McNemarMethod.ChiSquareCorrected, result.Method);
        Assert.Equal(121.0 / 30.0, result.Statistic, 12);
        Assert.Equal(0.04460971802493963, result.PValue, 6);
    }

    [Fact]
    public void A_small_case_uses_the_exact_binomial_test()
    {
        // b = 1, c = 6, n = 7: P(X ≤ 1) for X ~ Bin(7, ½) = (C(7,0) + C(7,1)) / 2⁷ = 8 / 128;
        // two-sided p = 2 · 8 / 128 = 0.125.
        McNemarResult result = McNemarTest.Compute(1, 6);

        Assert.Equal(McNemarMethod.ExactBinomial, result.Method);
        Assert.Equal(1.0, result.Statistic);
        Assert.Equal(0.125, result.PValue, 12);
    }

    [Fact]
    public void A_lopsided_small_case_and_a_balanced_one()
    {
        // b = 0, c = 10: p = 2 / 2¹⁰ = 0.001953125. b = c = 5: the two tails overlap, p capped at 1.
        Assert.Equal(0.001953125, McNemarTest.Compute(0, 10).PValue, 12);
        Assert.Equal(1.0, McNemarTest.Compute(5, 5).PValue, 12);
        Assert.Equal(1.0, McNemarTest.Compute(0, 0).PValue);
    }

    [Fact]
    public void Paired_outcomes_count_only_the_discordant_prompts()
    {
        bool[] before = [true, true, true, false, false, true];
        bool[] after = [true, false, false, false, true, false];

        McNemarResult result = McNemarTest.Compute(before, after);

        Assert.Equal((3, 1), (result.B, result.C));
        // n = 4, min = 1: p = 2 · (1 + 4) / 16 = 0.625.
        Assert.Equal(0.625, result.PValue, 12);
        Assert.Throws<ArgumentException>(() => McNemarTest.Compute([true], [true, false]));
    }

    [Fact]
    public void The_chi_square_tail_matches_known_quantiles()
    {
        // 3.841459 and 6.634897 are the 95th and 99th percentiles of χ²₁.
        Assert.Equal(0.05, SpecialFunctions.ChiSquareOneDofUpperTail(3.841459), 6);
        Assert.Equal(0.01, SpecialFunctions.ChiSquareOneDofUpperTail(6.634897), 6);
    }
}
