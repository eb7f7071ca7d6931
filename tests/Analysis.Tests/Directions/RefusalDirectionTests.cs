using Geode.Analysis.Directions;
using Geode.Analysis.Statistics;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Directions;

public sealed class RefusalDirectionTests
{
    public RefusalDirectionTests() => Torch.Start();

    [Fact]
    public void Diff_of_means_is_the_normalised_difference()
    {
        using var scope = NewDisposeScope();

        // Δμ = (3, 4, 0) − (1, 0, 0) = (2, 4, 0); ‖Δμ‖ = √20.
        double[] r = Torch.Values(RefusalDirection.DiffOfMeans(tensor(new double[] { 3, 4, 0 }), tensor(new double[] { 1, 0, 0 })));
        // Removing the e₁ component of (2, 4, 0)/√20 leaves (0, 1, 0) after renormalising.
        double[] orthogonal = Torch.Values(RefusalDirection.DiffOfMeans(tensor(new double[] { 3, 4, 0 }), tensor(new double[] { 1, 0, 0 }), orthogonalizeToComply: true));

        Assert.Equal([2 / Math.Sqrt(20), 4 / Math.Sqrt(20), 0], r, new Tolerance(1e-12));
        Assert.Equal([0, 1, 0], orthogonal, new Tolerance(1e-12));
    }

    [Fact]
    public void Gram_schmidt_output_is_unit_and_orthogonal_to_the_harmless_mean()
    {
        using var scope = NewDisposeScope();
        Tensor comply = (Torch.Normal(2, 256) * 5) + 3;
        // Nearly parallel to μ_comply: the case where one pass leaves a residue.
        Tensor refuse = (comply * 1.05) + (Torch.Normal(3, 256) * 0.01);
        var refuseStats = new LayerStatistics(1, 256);
        var complyStats = new LayerStatistics(1, 256);
        refuseStats.Add([refuse.unsqueeze(0)]);
        complyStats.Add([comply.unsqueeze(0)]);

        Tensor fromFloat32 = RefusalDirection.DiffOfMeans(refuse.to(ScalarType.Float32), comply.to(ScalarType.Float32), orthogonalizeToComply: true);
        Tensor perLayer = RefusalDirection.PerLayer(refuseStats, complyStats, orthogonalizeToComply: true);

        foreach (Tensor r in new[] { fromFloat32, perLayer[0] })
        {
            Assert.Equal(1, r.norm().item<double>(), 1e-12);
            Assert.True(Math.Abs(r.dot(comply / comply.norm()).item<double>()) < 1e-6);
        }
    }

    private sealed class Tolerance(double epsilon) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;

        public int GetHashCode(double obj) => 0;
    }
}
