using Geode.Analysis.Measures;
using Geode.Model.Native;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Measures;

/// <summary>KL(p ‖ q) from logits against identities, closed forms and a direct sum.</summary>
public sealed class KlDivergenceTests
{
    public KlDivergenceTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    [Fact]
    public void The_divergence_of_a_distribution_from_itself_is_zero()
    {
        using Tensor logits = randn(4, 50, generator: new TorchSharp.torch.Generator(1)) * 5;

        KlDivergenceResult result = KlDivergence.FromLogits(logits, logits);

        Assert.All(result.PerRow, kl => Assert.Equal(0.0, kl));
        Assert.Equal(0.0, result.Mean);
    }

    [Fact]
    public void A_two_point_example_matches_the_closed_form()
    {
        // p = (½, ½), q = (0.9, 0.1): KL = ½ ln(0.5/0.9) + ½ ln(0.5/0.1) = 0.5108256237659907.
        double[] p = [0, 0];
        double[] q = [Math.Log(0.9), Math.Log(0.1)];
        using Tensor pLogits = tensor(p);
        using Tensor qLogits = tensor(q);

        KlDivergenceResult result = KlDivergence.FromLogits(pLogits, qLogits);

        Assert.Equal(0.5108256237659907, result.Mean, 12);
    }

    [Fact]
    public void Random_logits_match_a_direct_double_precision_sum()
    {
        const int Rows = 6, Vocabulary = 300;
        var random = new Random(7);
        float[,] p = new float[Rows, Vocabulary];
        float[,] q = new float[Rows, Vocabulary];
        for (int b = 0; b < Rows; b++)
        {
            for (int v = 0; v < Vocabulary; v++)
            {
                p[b, v] = (float)((random.NextDouble() - 0.5) * 12);
                q[b, v] = (float)((random.NextDouble() - 0.5) * 12);
            }
        }

        using Tensor pLogits = tensor(p);
        using Tensor qLogits = tensor(q);
        KlDivergenceResult result = KlDivergence.FromLogits(pLogits, qLogits);

        double[] expected = new double[Rows];
        for (int b = 0; b < Rows; b++)
        {
            double[] logP = LogSoftmax(p, b);
            double[] logQ = LogSoftmax(q, b);
            for (int v = 0; v < Vocabulary; v++)
            {
                expected[b] += Math.Exp(logP[v]) * (logP[v] - logQ[v]);
            }

            Assert.Equal(expected[b], result.PerRow[b], 1e-10);
        }

        Assert.Equal(expected.Average(), result.Mean, 1e-10);
    }

    [Fact]
    public void Logits_of_ten_thousand_give_a_finite_divergence()
    {
        // p puts all its mass on token 0, q on token 1: KL = log p₀ − log q₀ = 0 − (−2·10⁴) = 2·10⁴
        // (up to e⁻²⁰⁰⁰⁰ terms); a naive softmax overflows to inf/inf = NaN.
        float[] p = [1e4f, -1e4f, 0];
        float[] q = [-1e4f, 1e4f, 0];
        using Tensor pLogits = tensor(p);
        using Tensor qLogits = tensor(q);

        KlDivergenceResult result = KlDivergence.FromLogits(pLogits, qLogits);

        Assert.True(double.IsFinite(result.Mean));
        Assert.Equal(2e4, result.Mean, 1e-6);
    }

    [Fact]
    public void Shapes_must_match()
    {
        using Tensor a = zeros(2, 5);
        using Tensor b = zeros(2, 6);

        Assert.Throws<ArgumentException>(() => KlDivergence.FromLogits(a, b));
    }

    private static double[] LogSoftmax(float[,] logits, int row)
    {
        int vocabulary = logits.GetLength(1);
        double max = double.NegativeInfinity;
        for (int v = 0; v < vocabulary; v++)
        {
            max = Math.Max(max, logits[row, v]);
        }

        double sum = 0;
        for (int v = 0; v < vocabulary; v++)
        {
            sum += Math.Exp(logits[row, v] - max);
        }

        double logSum = max + Math.Log(sum);
        double[] result = new double[vocabulary];
        for (int v = 0; v < vocabulary; v++)
        {
            result[v] = logits[row, v] - logSum;
        }

        return result;
    }
}
