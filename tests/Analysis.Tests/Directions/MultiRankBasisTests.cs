using Geode.Analysis.Directions;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Directions;

public sealed class MultiRankBasisTests
{
    public MultiRankBasisTests() => Torch.Start();

    [Fact]
    public void Basis_spans_the_planted_refusal_directions_and_peeling_finds_the_rest()
    {
        using var scope = NewDisposeScope();
        const int hidden = 96, n = 120;
        Tensor w = linalg.qr(Torch.Normal(21, hidden, 2)).Q;
        Tensor w1 = w[.., 0], w2 = w[.., 1];
        Tensor meanComply = Torch.Normal(22, hidden) * 5;
        // Every refusing prompt moves 4 along w₁; each moves a prompt-specific amount along w₂.
        Tensor spread = Torch.Normal(23, n, 1) * 3;
        Tensor refuse = meanComply + (4 * w1) + (spread * w2) + (Torch.Normal(24, n, hidden) * 0.05);

        TruncatedSvd both = MultiRankBasis.Compute(refuse, meanComply, rank: 2);
        TruncatedSvd peeled = MultiRankBasis.Compute(refuse, meanComply, rank: 1, exclude: w1.unsqueeze(1));
        TruncatedSvd band = MultiRankBasis.ComputeForBand([refuse, refuse * 100], [meanComply, meanComply * 100], rank: 2);

        Assert.All(Subspace.PrincipalAngleCosines(both.V, w), c => Assert.True(c > 0.999, $"cos θ = {c}"));
        Assert.All(Subspace.PrincipalAngleCosines(band.V, w), c => Assert.True(c > 0.999, $"cos θ = {c}"));
        Assert.True(Math.Abs(peeled.V[.., 0].dot(w2).item<double>()) > 0.999);
        Assert.True(Math.Abs(peeled.V[.., 0].dot(w1).item<double>()) < 1e-10);
    }
}
