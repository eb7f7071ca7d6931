using Geode.Model;

namespace Geode.Analysis.Maps;

/// <summary>
/// UMAP's low-dimensional similarity φ(d) = 1 / (1 + a·d^{2b}), a smooth stand-in for the target
/// ψ(d) = 1 for d ≤ min_dist, exp(−(d − min_dist) / spread) beyond it. φ is differentiable
/// everywhere, which ψ is not at min_dist; a and b are chosen so that φ ≈ ψ.
/// </summary>
/// <param name="A">a &gt; 0: how fast similarity falls with distance.</param>
/// <param name="B">b &gt; 0: how sharp the shoulder is.</param>
public readonly record struct UmapCurve(double A, double B)
{
    // The fit samples ψ on [0, 3·spread]: beyond that ψ < e⁻³ and the tail barely moves a, b.
    private const int Samples = 300;
    private const double RangeInSpreads = 3.0;

    /// <summary>φ(d) = 1 / (1 + a·d^{2b}).</summary>
    public double Evaluate(double distance) => 1.0 / (1.0 + (A * Math.Pow(distance, 2 * B)));

    /// <summary>
    /// Least-squares fit of (a, b) to ψ at 300 evenly spaced distances on [0, 3·spread], by
    /// Levenberg–Marquardt from (1, 1). For min_dist = 0.1, spread = 1 this gives (a, b) ≈ (1.58, 0.90).
    /// </summary>
    /// <exception cref="BadInputException">spread ≤ 0, min_dist &lt; 0, or min_dist &gt; spread.</exception>
    public static UmapCurve Fit(double minDist, double spread)
    {
        if (!(spread > 0) || !(minDist >= 0) || minDist > spread || double.IsInfinity(spread))
        {
            throw new BadInputException(
                $"UMAP needs 0 ≤ min_dist ≤ spread and a finite spread > 0; got min_dist = {minDist}, spread = {spread}.",
                field: "min_dist");
        }

        var d = new double[Samples];
        var target = new double[Samples];
        for (int i = 0; i < Samples; i++)
        {
            d[i] = RangeInSpreads * spread * i / (Samples - 1);
            target[i] = d[i] <= minDist ? 1.0 : Math.Exp(-(d[i] - minDist) / spread);
        }

        double a = 1, b = 1;
        double cost = Cost(d, target, a, b);
        double damping = 1e-3;
        for (int iteration = 0; iteration < 500; iteration++)
        {
            // Normal equations of the linearised residual r(a, b) = φ(d) − ψ(d):
            // (JᵀJ + λ·diag JᵀJ) δ = −Jᵀr, with ∂φ/∂a = −u/(1+au)², ∂φ/∂b = −2a·u·ln d/(1+au)², u = d^{2b}.
            double jaa = 0, jab = 0, jbb = 0, ga = 0, gb = 0;
            for (int i = 0; i < Samples; i++)
            {
                if (d[i] == 0)
                {
                    continue; // φ(0) = 1 for every (a, b): no gradient, and ln 0 is undefined.
                }

                double u = Math.Pow(d[i], 2 * b);
                double denominator = (1 + (a * u)) * (1 + (a * u));
                double da = -u / denominator;
                double db = -2 * a * u * Math.Log(d[i]) / denominator;
                double r = (1 / (1 + (a * u))) - target[i];
                jaa += da * da;
                jab += da * db;
                jbb += db * db;
                ga += da * r;
                gb += db * r;
            }

            bool improved = false;
            while (damping < 1e12)
            {
                double maa = jaa * (1 + damping), mbb = jbb * (1 + damping);
                double det = (maa * mbb) - (jab * jab);
                double stepA = -((mbb * ga) - (jab * gb)) / det;
                double stepB = -((maa * gb) - (jab * ga)) / det;
                double nextA = a + stepA, nextB = b + stepB;
                double nextCost = nextA > 0 && nextB > 0 ? Cost(d, target, nextA, nextB) : double.PositiveInfinity;
                if (nextCost <= cost)
                {
                    bool converged = Math.Abs(stepA) <= 1e-12 * (1 + a) && Math.Abs(stepB) <= 1e-12 * (1 + b);
                    (a, b, cost) = (nextA, nextB, nextCost);
                    damping = Math.Max(damping / 10, 1e-12);
                    improved = !converged;
                    break;
                }

                damping *= 10;
            }

            if (!improved)
            {
                break;
            }
        }

        return new UmapCurve(a, b);
    }

    private static double Cost(double[] d, double[] target, double a, double b)
    {
        double sum = 0;
        for (int i = 0; i < d.Length; i++)
        {
            double r = (1 / (1 + (a * Math.Pow(d[i], 2 * b)))) - target[i];
            sum += r * r;
        }

        return sum;
    }
}
