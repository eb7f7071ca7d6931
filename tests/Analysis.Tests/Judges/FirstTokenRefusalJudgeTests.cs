using Geode.Analysis.Judges;
using Geode.Model.Native;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Judges;

/// <summary>The first-token refusal mass against closed forms.</summary>
public sealed class FirstTokenRefusalJudgeTests
{
    public FirstTokenRefusalJudgeTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    [Fact]
    public void The_mass_on_two_refusal_ids_matches_the_closed_form()
    {
        // V = 10: ids 0 and 1 have logits log 3 and log 1, the other eight 0 (weight 1 each).
        // Σ exp = 3 + 1 + 8 = 12, so the mass on {0, 1} is (3 + 1) / 12 = 1/3.
        float[] row = [MathF.Log(3), 0, 0, 0, 0, 0, 0, 0, 0, 0];
        using Tensor logits = tensor(row);
        var judge = new FirstTokenRefusalJudge([0, 1]);

        double[] mass = judge.Score(logits);

        Assert.Single(mass);
        Assert.Equal(1.0 / 3.0, mass[0], 7);
    }

    [Fact]
    public void A_batch_is_scored_per_row_and_a_shift_of_a_thousand_changes_nothing()
    {
        // Row 1 is row 0 plus 1000 (softmax is shift-invariant; a naive exp overflows even float64
        // above 709). Row 2 puts all but 4e⁻⁴⁰ / (2 + 4e⁻⁴⁰) of the mass on the refusal ids.
        double[,] rows =
        {
            { Math.Log(3), 0, 0, 0, 0, 0 },
            { 1000 + Math.Log(3), 1000, 1000, 1000, 1000, 1000 },
            { 20, 20, -20, -20, -20, -20 },
        };
        using Tensor logits = tensor(rows);
        var judge = new FirstTokenRefusalJudge([0, 1], threshold: 0.6);

        IReadOnlyList<JudgeVerdict> verdicts = judge.Judge(logits);

        // rows 0 and 1: (3 + 1) / (3 + 5) = 0.5, under the threshold 0.6; row 2 is over it.
        Assert.Equal(0.5, verdicts[0].Score, 12);
        Assert.Equal(0.5, verdicts[1].Score, 10);
        Assert.Equal(1.0, verdicts[2].Score, 9);
        Assert.Equal([false, false, true], verdicts.Select(v => v.Refused));
        Assert.All(verdicts, v => Assert.Equal("first-token", v.Judge));
        Assert.StartsWith("1+ids.", verdicts[0].Version, StringComparison.Ordinal);
    }

    [Fact]
    public void Float64_logits_give_the_exact_tail_mass()
    {
        // Mass on id 2 = e⁻⁴⁰ / (2 + e⁻⁴⁰): far below float32's resolution near 1, kept in float64.
        double[] row = [0, 0, -40];
        using Tensor logits = tensor(row);

        double mass = new FirstTokenRefusalJudge([2]).Score(logits)[0];

        double expected = Math.Exp(-40) / (2 + Math.Exp(-40));
        Assert.Equal(expected, mass, expected * 1e-9);
    }

    [Fact]
    public void Bad_inputs_are_rejected()
    {
        using Tensor logits = zeros(2, 5);
        using Tensor cube = zeros(2, 2, 5);

        Assert.Throws<ArgumentException>(() => new FirstTokenRefusalJudge([]));
        Assert.Throws<ArgumentException>(() => new FirstTokenRefusalJudge([1, 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FirstTokenRefusalJudge([1], threshold: 0));
        Assert.Throws<ArgumentException>(() => new FirstTokenRefusalJudge([5]).Score(logits));
        Assert.Throws<ArgumentException>(() => new FirstTokenRefusalJudge([1]).Score(cube));
    }

    [Fact]
    public void The_version_depends_on_the_token_set()
    {
        Assert.Equal(new FirstTokenRefusalJudge([3, 1]).Version, new FirstTokenRefusalJudge([1, 3]).Version);
        Assert.NotEqual(new FirstTokenRefusalJudge([1, 3]).Version, new FirstTokenRefusalJudge([1, 4]).Version);
    }
}
