using Geode.Analysis.Directions;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Directions;

public sealed class SeparationTests
{
    public SeparationTests() => Torch.Start();

    [Fact]
    public void Cohens_d_matches_the_hand_computed_value()
    {
        using var scope = NewDisposeScope();
        Tensor refuse = tensor(new double[] { 3, 0, 5, 1, 7, -1 }, [3, 2]);
        Tensor comply = tensor(new double[] { 1, 2, 2, 0, 3, 5 }, [3, 2]);
        Tensor r = tensor(new double[] { 1, 0 });

        // Projections on e₁: refuse 3, 5, 7 (mean 5, s² = (4 + 0 + 4)/2 = 4); comply 1, 2, 3 (mean 2, s² = (1 + 0 + 1)/2 = 1).
        // s_p² = (2·4 + 2·1)/(3 + 3 − 2) = 10/4 = 2.5; d = (5 − 2)/√2.5 = 1.8973665961...
        Assert.Equal(3 / Math.Sqrt(2.5), Separation.CohensD(refuse, comply, r), 1e-12);
        Assert.Equal(-3 / Math.Sqrt(2.5), Separation.CohensD(comply, refuse, r), 1e-12);
    }

    [Fact]
    public void Peak_layer_is_the_layer_with_the_planted_shift()
    {
        using var scope = NewDisposeScope();
        const int layers = 6, hidden = 16, n = 80;
        Tensor shiftDirection = Torch.Normal(10, hidden);
        shiftDirection /= shiftDirection.norm();
        var refuse = new List<Tensor>();
        var comply = new List<Tensor>();
        for (int l = 0; l < layers; l++)
        {
            // Unit-variance noise everywhere; a shift of 3 along one direction at layer 3, 0.5 elsewhere.
            double shift = l == 3 ? 3 : 0.5;
            refuse.Add(Torch.Normal(100 + l, n, hidden) + (shift * shiftDirection));
            comply.Add(Torch.Normal(200 + l, n, hidden));
        }

        Tensor directions = stack([.. Enumerable.Range(0, layers).Select(l => RefusalDirection.DiffOfMeans(refuse[l].mean([0]), comply[l].mean([0])))]);
        double[] d = Separation.CohensDByLayer(refuse, comply, directions);

        Assert.Equal(3, Separation.PeakLayer(d));
        Assert.InRange(d[3], 2.5, 3.7);
        Assert.All(d.Where((_, l) => l != 3), value => Assert.InRange(value, 0, 1.6));
        Assert.Equal(1, Separation.PeakLayer([double.NaN, 2, 1]));
    }

    [Fact]
    public void Top_component_share_is_one_for_rank_one_and_one_over_k_for_orthogonal_equal_shifts()
    {
        using var scope = NewDisposeScope();
        Tensor v = Torch.Normal(5, 32);
        Tensor rankOne = stack([v * 0.5, v * -2, v * 3, v]);
        Tensor orthogonal = eye(32, dtype: ScalarType.Float64).narrow(0, 0, 4) * 2.5;
        // Two equal orthogonal shifts and one of twice the length: σ² = (4, 1, 1)/6 of the energy.
        Tensor unequal = stack([orthogonal[0] * 2, orthogonal[1], orthogonal[2]]);

        Assert.Equal(1, Separation.TopComponentShare(rankOne), 1e-12);
        Assert.Equal(0.25, Separation.TopComponentShare(orthogonal), 1e-12);
        Assert.Equal(4.0 / 6, Separation.TopComponentShare(unequal), 1e-12);
    }
}
