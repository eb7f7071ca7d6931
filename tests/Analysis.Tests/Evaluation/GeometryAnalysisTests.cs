using Geode.Analysis.Evaluation;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Evaluation;

public sealed class GeometryAnalysisTests
{
    /// <summary>
    /// 5 streams × 60 prompts × H = 16, unit Gaussian noise; stream 0 is one shared vector (a
    /// template token). Refuse prompts shift along e0 by 0, 2, 5, 2 at streams 1..4; "benign" prompts
    /// shift half as far along e0 plus as far along e1.
    /// </summary>
    private static (Tensor Activations, string[] Categories) Planted()
    {
        string[] categories = [.. Enumerable.Repeat("harm", 20), .. Enumerable.Repeat("safe", 20), .. Enumerable.Repeat("benign", 20)];
        var generator = new Generator(7);
        Tensor noise = randn([5, 60, 16], dtype: ScalarType.Float64, generator: generator);
        noise[0] = zeros(60, 16, dtype: ScalarType.Float64) + 0.3;
        double[] shift = [0, 0, 2, 5, 2];
        for (int l = 1; l < 5; l++)
        {
            for (int i = 0; i < 60; i++)
            {
                double along = categories[i] switch { "harm" => shift[l], "benign" => shift[l] / 2, _ => 0 };
                noise[l, i, 0] += along;
                noise[l, i, 1] += categories[i] == "benign" ? shift[l] / 2 : 0;
            }
        }

        return (noise, categories);
    }

    [Fact]
    public void The_peak_is_where_the_planted_shift_is_largest_and_random_directions_stay_near_zero()
    {
        using var scope = NewDisposeScope();
        (Tensor activations, string[] categories) = Planted();

        GeometryResult result = GeometryAnalysis.Compute(activations, categories, ["harm"], ["safe"], randomDirections: 16);

        Assert.Equal(3, result.PeakLayer);
        Assert.True(double.IsNaN(result.Layers[0].CohensD), "stream 0 has no difference between the classes");
        Assert.Equal(0, result.Layers[0].DeltaNorm);
        // d ≈ shift / σ with σ = 1: about 2 and 5. Stream 1 has no shift, but a direction fitted to
        // noise still separates its own sample (E‖Δμ‖ = √(H·(1/20 + 1/20)) ≈ 1.3): far below the peak.
        Assert.InRange(result.Layers[3].CohensD, 4, 7);
        Assert.InRange(result.Layers[2].CohensD, 1.4, 3.5);
        Assert.True(result.Layers[1].CohensD < result.Layers[3].CohensD / 2, $"stream 1: d = {result.Layers[1].CohensD}");
        // One direction carries the band's shift (energy 2² + 5² + 2² = 33 along e0) against the noise
        // in four mean differences (≈ 4 × 1.6): about 0.85; four noise-only differences give ≈ 0.4.
        Assert.True(result.BandTopComponentShare > 0.75, $"band share {result.BandTopComponentShare}");
        Assert.Equal(16, result.RandomCohensD.Count);
        // In 16 dimensions a random unit vector keeps |cos| ≈ 0.2 of e0 on average: its |d| is a
        // fraction of the peak's, never above it.
        Assert.True(result.RandomCohensD.Average() < result.Layers[3].CohensD / 2, $"random directions average |d| = {result.RandomCohensD.Average()}");
        Assert.All(result.RandomCohensD, d => Assert.True(d < result.Layers[3].CohensD, $"a random direction reached |d| = {d}"));
    }

    [Fact]
    public void Categories_are_measured_against_the_first_comply_category_at_the_peak()
    {
        using var scope = NewDisposeScope();
        (Tensor activations, string[] categories) = Planted();

        GeometryResult result = GeometryAnalysis.Compute(activations, categories, ["harm"], ["safe"]);

        Assert.NotNull(result.Categories);
        Assert.Equal(["benign", "harm"], result.Categories!.Categories);
        // benign shifts along (e0 + e1)/√2, harm along e0: cos 45° ≈ 0.71 with each other and with r.
        Assert.InRange(result.Categories.Cosines[0][1], 0.55, 0.85);
        Assert.InRange(result.Categories.CosineWithGlobal[0], 0.55, 0.85);
        Assert.InRange(result.Categories.CosineWithGlobal[1], 0.95, 1.0);
    }

    [Fact]
    public void A_class_with_fewer_than_two_prompts_is_refused_with_the_counts()
    {
        using var scope = NewDisposeScope();
        (Tensor activations, string[] categories) = Planted();

        ArgumentException error = Assert.Throws<ArgumentException>(() => GeometryAnalysis.Compute(activations, categories, ["missing"], ["safe"]));

        Assert.Contains("0 refuse (missing), 20 comply (safe)", error.Message, StringComparison.Ordinal);
    }
}
