using Geode.Analysis.Maps;
using Geode.Model;
using Geode.Model.Native;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Maps;

public sealed class SeparationScoreTests
{
    // Two groups on the lines y = 0 and y = 100 (never each other's neighbours: every within-group
    // k-th distance below is under 10).
    //
    // Row y = 0, index: x label           Row y = 100, index: x label
    //   0: 0 A   1: 1 A   2: 2 A            8: −5 B   9: −4 B  10: −3 B
    //   3: 4 B (intruder near the A's)     11:  0 A  12:  1 A   (an A pair inside the B's)
    //   4: 10 B  5: 11 B  6: 12 B          13:  4 B  14:  5 B  15:  6 B
    //   7: 13 A (intruder next to the B's)
    //
    // 1-NN: point 3's nearest is 2 (A, at 2) and point 7's is 6 (B, at 1): 2 wrong. Point 6 is at 1
    // from both 5 (B) and 7 (A); the tie goes to the lower index, 5, so it is right. The A pair 11,
    // 12 are each other's nearest: right. m = 2 of 16.
    // 3-NN: 3 sees 2, 1, 0 (all A) and 7 sees 6, 5, 4 (all B): wrong. 11 sees 12 (A, 1), 10 (B, 3),
    // 13 (B, 4) and 12 sees 11 (A, 1), 13 (B, 3), 10 (B, 4): outvoted, wrong. Every other point's
    // three nearest are mostly its own label (e.g. 10: 9, 8 B at 1, 2; 11 A at 3). m = 4 of 16.
    private static readonly (double X, double Y, string Label)[] Arrangement =
    [
        (0, 0, "A"), (1, 0, "A"), (2, 0, "A"), (4, 0, "B"), (10, 0, "B"), (11, 0, "B"), (12, 0, "B"), (13, 0, "A"),
        (-5, 100, "B"), (-4, 100, "B"), (-3, 100, "B"), (0, 100, "A"), (1, 100, "A"), (4, 100, "B"), (5, 100, "B"), (6, 100, "B"),
    ];

    public SeparationScoreTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    [Theory]
    [InlineData(1, 2)]
    [InlineData(3, 4)]
    public void Hand_counted_arrangement_misclassifies_exactly_m_points(int k, int misclassified)
    {
        using Tensor points = tensor(Arrangement.SelectMany(p => new[] { p.X, p.Y }).ToArray(), [Arrangement.Length, 2], ScalarType.Float64);

        SeparationScore score = SeparationScore.LeaveOneOutKnn(points, [.. Arrangement.Select(p => p.Label)], k);

        Assert.Equal(new SeparationScore(k, misclassified, Arrangement.Length), score);
        Assert.Equal((double)misclassified / Arrangement.Length, score.Rate);
    }

    [Fact]
    public void Label_names_do_not_matter_only_the_partition()
    {
        using Tensor points = tensor(Arrangement.SelectMany(p => new[] { p.X, p.Y }).ToArray(), [Arrangement.Length, 2], ScalarType.Float32);

        SeparationScore original = SeparationScore.LeaveOneOutKnn(points, [.. Arrangement.Select(p => p.Label)], 3);
        SeparationScore renamed = SeparationScore.LeaveOneOutKnn(points, [.. Arrangement.Select(p => p.Label == "A" ? "zeta" : "alpha")], 3);

        Assert.Equal(original, renamed);
    }

    [Fact]
    public void Mismatched_labels_and_impossible_k_are_refused()
    {
        using Tensor points = randn(10, 3);

        Assert.Throws<BadInputException>(() => SeparationScore.LeaveOneOutKnn(points, [.. Enumerable.Repeat("a", 9)]));
        Assert.Throws<BadInputException>(() => SeparationScore.LeaveOneOutKnn(points, [.. Enumerable.Repeat("a", 10)], k: 10));
        Assert.Throws<BadInputException>(() => SeparationScore.LeaveOneOutKnn(points, [.. Enumerable.Repeat("a", 10)], k: 0));
    }
}
