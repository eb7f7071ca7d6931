using Geode.Analysis.Directions;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Directions;

public sealed class RandomDirectionsTests
{
    public RandomDirectionsTests() => Torch.Start();

    [Fact]
    public void Directions_are_unit_seeded_and_have_the_spherical_cosine_distribution()
    {
        using var scope = NewDisposeScope();
        const int count = 4000, hidden = 256;
        Tensor directions = RandomDirections.Sample(count, hidden, seed: 11);
        Tensor again = RandomDirections.Sample(count, hidden, seed: 11);
        Tensor other = RandomDirections.Sample(count, hidden, seed: 12);
        Tensor fixedVector = Torch.Normal(99, hidden);
        fixedVector /= fixedVector.norm();

        Tensor cosines = directions.matmul(fixedVector);
        double mean = cosines.mean().item<double>();
        double sd = cosines.std().item<double>();

        Assert.Equal([count, hidden], directions.shape);
        Assert.True((directions.norm(1) - 1).abs().max().item<double>() < 1e-12);
        Assert.True(directions.eq(again).all().item<bool>());
        Assert.False(directions.eq(other).all().item<bool>());
        // E[cos] = 0 with standard error (1/√H)/√N ≈ 0.001; SD = 1/√H = 0.0625 within 5%.
        Assert.InRange(mean, -0.004, 0.004);
        Assert.InRange(sd, 0.0625 * 0.95, 0.0625 * 1.05);
    }
}
