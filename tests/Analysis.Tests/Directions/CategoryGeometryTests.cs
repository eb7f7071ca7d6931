using Geode.Analysis.Directions;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Directions;

public sealed class CategoryGeometryTests
{
    public CategoryGeometryTests() => Torch.Start();

    [Fact]
    public void Cosine_matrix_is_symmetric_with_unit_diagonal_and_matches_planted_cosines()
    {
        using var scope = NewDisposeScope();
        const int hidden = 64;
        Tensor basis = linalg.qr(Torch.Normal(7, hidden, 3)).Q;   // orthonormal e₁, e₂, e₃
        Tensor e1 = basis[.., 0], e2 = basis[.., 1], e3 = basis[.., 2];
        Tensor control = Torch.Normal(8, hidden) * 10;
        double theta = Math.Acos(0.93);
        var means = new Dictionary<string, Tensor>
        {
            ["safe_control"] = control,
            ["emergency_medical"] = control + (4 * e1),
            ["home_safety"] = control + (2 * ((Math.Cos(theta) * e1) + (Math.Sin(theta) * e2))),
            ["should_refuse"] = control + (7 * e3),
        };

        CategoryGeometry geometry = CategoryGeometry.Compute(means, globalDirection: e1 * 3);

        // Ordinal order: emergency_medical, home_safety, should_refuse.
        Assert.Equal(["emergency_medical", "home_safety", "should_refuse"], geometry.Categories);
        double[][] expected = [[1, 0.93, 0], [0.93, 1, 0], [0, 0, 1]];
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(1, geometry.Cosines[i][i]);
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal(expected[i][j], geometry.Cosines[i][j], 1e-12);
                Assert.Equal(geometry.Cosines[j][i], geometry.Cosines[i][j]);
            }
        }

        Assert.Equal(1, geometry.CosineWithGlobal[0], 1e-12);
        Assert.Equal(0.93, geometry.CosineWithGlobal[1], 1e-12);
        Assert.Equal(0, geometry.CosineWithGlobal[2], 1e-12);
        Assert.Throws<ArgumentException>(() => CategoryGeometry.Compute(means, e1, control: "missing"));
    }
}
