using Geode.Analysis.Maps;
using Geode.Model;
using Xunit.Abstractions;

namespace Geode.Analysis.Tests.Maps;

public sealed class UmapCurveTests(ITestOutputHelper output)
{
    [Fact]
    public void Default_fit_matches_the_commonly_reported_parameters_and_is_a_least_squares_optimum()
    {
        UmapCurve fitted = UmapCurve.Fit(minDist: 0.1, spread: 1.0);
        output.WriteLine($"a = {fitted.A:F4}, b = {fitted.B:F4}, max |φ − ψ| = {MaxDeviation(fitted, 0.1, 1.0):F4}");

        // The values usually quoted for min_dist = 0.1, spread = 1.
        var reported = new UmapCurve(1.577, 0.8951);
        Assert.Equal(reported.A, fitted.A, 0.02);
        Assert.Equal(reported.B, fitted.B, 0.02);
        // Judged on the curve itself: at least as close to ψ as the reported pair, close everywhere,
        // and no nearby (a, b) does better.
        double error = SquaredError(fitted, 0.1, 1.0);
        Assert.True(error <= SquaredError(reported, 0.1, 1.0) + 1e-9, $"fitted SSE {error} vs reported {SquaredError(reported, 0.1, 1.0)}");
        Assert.True(MaxDeviation(fitted, 0.1, 1.0) < 0.1, $"max |φ − ψ| = {MaxDeviation(fitted, 0.1, 1.0)}");
        foreach ((double da, double db) in new[] { (1.01, 1.0), (0.99, 1.0), (1.0, 1.01), (1.0, 0.99) })
        {
            Assert.True(SquaredError(fitted with { A = fitted.A * da, B = fitted.B * db }, 0.1, 1.0) > error);
        }
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.5, 1.0)]
    [InlineData(0.25, 2.0)]
    public void Other_settings_get_their_own_fit(double minDist, double spread)
    {
        UmapCurve fitted = UmapCurve.Fit(minDist, spread);
        UmapCurve standard = UmapCurve.Fit(0.1, 1.0);

        Assert.True(MaxDeviation(fitted, minDist, spread) < 0.1, $"max |φ − ψ| = {MaxDeviation(fitted, minDist, spread)}");
        Assert.True(SquaredError(fitted, minDist, spread) < SquaredError(standard, minDist, spread));
    }

    [Theory]
    [InlineData(-0.1, 1.0)]
    [InlineData(0.1, 0.0)]
    [InlineData(2.0, 1.0)]
    public void Impossible_settings_are_refused(double minDist, double spread) =>
        Assert.Throws<BadInputException>(() => UmapCurve.Fit(minDist, spread));

    // ψ(d) = 1 for d ≤ min_dist, exp(−(d − min_dist)/spread) beyond, written here independently of the fit.
    private static double Target(double d, double minDist, double spread) => d <= minDist ? 1 : Math.Exp(-(d - minDist) / spread);

    private static IEnumerable<double> Grid(double spread) => Enumerable.Range(0, 1000).Select(i => 3 * spread * i / 999.0);

    private static double SquaredError(UmapCurve curve, double minDist, double spread) =>
        Grid(spread).Sum(d => Math.Pow(curve.Evaluate(d) - Target(d, minDist, spread), 2));

    private static double MaxDeviation(UmapCurve curve, double minDist, double spread) =>
        Grid(spread).Max(d => Math.Abs(curve.Evaluate(d) - Target(d, minDist, spread)));
}
