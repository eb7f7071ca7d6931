namespace Geode.Analysis.Measures;

/// <summary>The few special functions the tests of significance need.</summary>
internal static class SpecialFunctions
{
    /// <summary>P(χ²₁ ≥ x) = erfc(√(x/2)), since a χ²₁ variable is the square of a standard normal.</summary>
    public static double ChiSquareOneDofUpperTail(double x) =>
        x <= 0 ? 1.0 : Erfc(Math.Sqrt(x / 2));

    /// <summary>
    /// The complementary error function, by the Chebyshev-fitted rational approximation in
    /// Numerical Recipes (§6.2, "erfcc"): fractional error below 1.2e-7 everywhere, ample for
    /// p-values, and no cancellation in the far tail where 1 − erf(x) would lose every digit.
    /// </summary>
    public static double Erfc(double x)
    {
        double z = Math.Abs(x);
        double t = 1.0 / (1.0 + (0.5 * z));
        double polynomial = -1.26551223 + (t * (1.00002368 + (t * (0.37409196 + (t * (0.09678418
            + (t * (-0.18628806 + (t * (0.27886807 + (t * (-1.13520398 + (t * (1.48851587
            + (t * (-0.82215223 + (t * 0.17087277)))))))))))))))));
        double result = t * Math.Exp((-z * z) + polynomial);
        return x >= 0 ? result : 2.0 - result;
    }
}
