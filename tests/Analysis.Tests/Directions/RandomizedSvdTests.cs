using Geode.Analysis.Directions;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Directions;

public sealed class RandomizedSvdTests
{
    public RandomizedSvdTests() => Torch.Start();

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void Recovers_the_top_singular_values_and_subspace_of_a_planted_low_rank_matrix(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        const int m = 500, n = 300, k = 5;
        Tensor u0 = linalg.qr(Torch.Normal(1, m, k)).Q;
        Tensor v0 = linalg.qr(Torch.Normal(2, n, k)).Q;
        Tensor planted = tensor(new double[] { 50, 40, 30, 20, 10 });
        Tensor a = u0.matmul(diag(planted)).matmul(v0.T) + (Torch.Normal(3, m, n) * 1e-3);
        double[] exact = Torch.Values(linalg.svdvals(a).narrow(0, 0, k));

        // ℓ = k + p = 15 < min(m, n): the sketch path, not the exact fallback.
        TruncatedSvd svd = RandomizedSvd.Compute(a.to(dtype), k, seed: 4);

        Assert.Equal(dtype, svd.S.dtype);
        Assert.Equal([n, k], svd.V.shape);
        Assert.Equal([m, k], svd.U.shape);
        double[] values = svd.SingularValues();
        for (int i = 0; i < k; i++)
        {
            Assert.True(Math.Abs(values[i] - exact[i]) / exact[i] < 1e-3, $"σ{i}: {values[i]} vs {exact[i]}");
        }

        // Noise of 1e-3 against a gap of 10 tilts the subspace by ~1e-3 rad at most: cos θ ≥ 1 − 1e-5.
        Assert.All(Subspace.PrincipalAngleCosines(svd.V, v0), c => Assert.True(c > 1 - 1e-5, $"cos θ = {c}"));
        Assert.All(Subspace.PrincipalAngleCosines(svd.U, u0), c => Assert.True(c > 1 - 1e-5, $"cos θ = {c}"));
        Assert.True((svd.V.T.matmul(svd.V) - eye(k, dtype: dtype)).abs().max().to(ScalarType.Float64).item<double>() < 1e-5);
    }

    [Fact]
    public void Small_matrices_fall_back_to_the_exact_svd()
    {
        using var scope = NewDisposeScope();
        Tensor a = Torch.Normal(5, 12, 8);

        TruncatedSvd svd = RandomizedSvd.Compute(a, 3);

        Assert.Equal(Torch.Values(linalg.svdvals(a).narrow(0, 0, 3)), svd.SingularValues(), new Near(1e-12));
        Assert.Throws<ArgumentException>(() => RandomizedSvd.Compute(a, 9));
    }

    private sealed class Near(double epsilon) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;

        public int GetHashCode(double obj) => 0;
    }
}
