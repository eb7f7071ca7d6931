using Geode.Analysis.Forensics;
using Geode.Model;
using Geode.Model.Checkpoints;
using Geode.Model.Edits;
using Geode.Model.Export;
using Geode.Model.Native;
using Geode.Tests;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests;

/// <summary>Weight-diff forensics against forks of the tiny Gemma 4 fixture made with known edits.</summary>
public sealed class WeightDiffTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public WeightDiffTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    public void Dispose() => _temp.Dispose();

    private static string Fixture => RepositoryPaths.HfFixture("gemma4-tiny-a");

    [Fact]
    public void A_rank_2_edit_is_found_in_exactly_its_tensors_and_spans_the_planted_directions()
    {
        using IDisposable scope = NewDisposeScope();
        Tensor basis = Orthonormal(64, 2, seed: 1);
        string fork = MakeFork("planted", basis, [1, 3, 4], [WriterKind.AttentionOutput, WriterKind.MlpOutput]);

        IReadOnlyList<TensorDiff> records = WeightDiff.Compare(Fixture, [fork]);

        TensorDiff[] changed = [.. records.Where(r => r.Changed)];
        Assert.Equal(
            ["model.layers.1.mlp.down_proj.weight", "model.layers.1.self_attn.o_proj.weight", "model.layers.3.mlp.down_proj.weight",
             "model.layers.3.self_attn.o_proj.weight", "model.layers.4.mlp.down_proj.weight", "model.layers.4.self_attn.o_proj.weight"],
            changed.Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.All(records.Where(r => !r.Changed), r => Assert.Equal(TensorStatus.Unchanged, r.Status));
        double[] u = [.. basis.t().contiguous().data<float>().ToArray().Select(v => (double)v)];
        foreach (TensorDiff r in changed)
        {
            Assert.Equal(2, r.Rank95);
            for (int j = 0; j < 2; j++)
            {
                // ‖Uᵀ v‖: 1 exactly when v lies in span(u1, u2).
                float[] v = r.TopVectors[j];
                double a = Dot(v, u, 0), b = Dot(v, u, 64);
                Assert.True(Math.Sqrt((a * a) + (b * b)) >= 0.99, $"{r.Name} vector {j}: {Math.Sqrt((a * a) + (b * b)):F4}");
            }
        }
    }

    [Fact]
    public void A_rank_1_edit_has_rank95_1_and_forks_compare_by_their_directions()
    {
        using IDisposable scope = NewDisposeScope();
        Tensor two = Orthonormal(64, 2, seed: 2);
        Tensor first = two[.., ..1].contiguous(), second = two[.., 1..].contiguous();
        string a = MakeFork("a", first, [2], [WriterKind.AttentionOutput]);
        string same = MakeFork("same", first, [2], [WriterKind.AttentionOutput]);
        string orthogonal = MakeFork("orthogonal", second, [2], [WriterKind.AttentionOutput]);

        IReadOnlyList<TensorDiff> records = WeightDiff.Compare(Fixture, [a, same, orthogonal]);

        TensorDiff[] changed = [.. records.Where(r => r.Changed)];
        Assert.Equal(3, changed.Length);
        Assert.All(changed, r => Assert.Equal("model.layers.2.self_attn.o_proj.weight", r.Name));
        Assert.All(changed, r => Assert.Equal(1, r.Rank95));
        Assert.All(changed, r => Assert.True(r.SigmaRatio is null or > 1e3, $"{r.Fork}: σ1/σ2 = {r.SigmaRatio}"));
        TensorDiff fromA = changed.Single(r => r.Fork == "a");
        Assert.True(fromA.ForkCosines["same"] > 0.999, $"same direction: {fromA.ForkCosines["same"]}");
        Assert.True(fromA.ForkCosines["orthogonal"] < 0.01, $"orthogonal directions: {fromA.ForkCosines["orthogonal"]}");
        ForkPairSummary pair = ForkPairSummary.Of(records).Single(p => p.ForkA == "a" && p.ForkB == "same");
        Assert.Equal(1, pair.SharedTensors);
    }

    [Fact]
    public void Per_stream_directions_use_row_layer_plus_one()
    {
        using IDisposable scope = NewDisposeScope();
        Tensor two = Orthonormal(64, 2, seed: 3);
        string fork = MakeFork("rowed", two[.., ..1].contiguous(), [3], [WriterKind.MlpOutput]);

        // Row 4 (the state layer 3 writes into) is the planted direction; every other row the orthogonal one.
        Tensor rows = two[.., 1].unsqueeze(0).repeat(7, 1).contiguous();
        rows[4] = two[.., 0];
        string directions = _temp.File("directions.safetensors");
        SafetensorsWriter.Write(directions, [("stream", rows), ("other", two[.., 1].contiguous())]);

        TensorDiff changed = WeightDiff.Compare(Fixture, [fork], directions).Single(r => r.Changed);

        Assert.True(changed.TopCosines["stream"] > 0.99, $"stream: {changed.TopCosines["stream"]}");
        Assert.True(changed.TopCosines["other"] < 0.01, $"other: {changed.TopCosines["other"]}");
        Assert.Single(changed.VectorCosines["stream"].Take(1), c => Math.Abs(c) > 0.99);
    }

    [Fact]
    public void A_directions_file_of_the_wrong_width_is_bad_input_naming_the_tensor()
    {
        using IDisposable scope = NewDisposeScope();
        string directions = _temp.File("narrow.safetensors");
        SafetensorsWriter.Write(directions, [("narrow", randn(63))]);

        BadInputException error = Assert.Throws<BadInputException>(() => WeightDiff.Compare(Fixture, [Fixture], directions));

        Assert.Contains("'narrow'", error.Message, StringComparison.Ordinal);
        Assert.Contains("[64]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Randomized_svd_recovers_a_low_rank_spectrum()
    {
        using IDisposable scope = NewDisposeScope();
        var generator = new Generator(7);
        Tensor left = linalg.qr(randn([600, 3], generator: generator)).Q, right = linalg.qr(randn([700, 3], generator: generator)).Q;
        Tensor delta = left.matmul(diag(tensor(new float[] { 5, 3, 2 }))).matmul(right.t());
        double energy = delta.square().sum().item<float>();

        DeltaSpectrum randomized = DeltaSpectrum.Of(delta, energy, DiffOptions.Default);
        DeltaSpectrum exact = DeltaSpectrum.Of(delta, energy, DiffOptions.Default with { ExactSvdMaxDim = 1000 });

        Assert.Equal("randomized", randomized.Method);
        Assert.Equal("exact", exact.Method);
        Assert.Equal(3, randomized.Rank95);
        Assert.Equal(exact.Rank95, randomized.Rank95);
        Assert.Equal(5, randomized.Spectrum[0], 3);
        Assert.Equal(5.0 / 3.0, randomized.SigmaRatio!.Value, 3);
        Assert.True(Math.Abs(Dot(randomized.Vectors[0], exact.Vectors[0])) > 0.999);
    }

    private string MakeFork(string name, Tensor basis, int[] layers, WriterKind[] writers)
    {
        string output = Path.Combine(_temp.Path, name);
        CheckpointExporter.Export(Fixture, new Edit([new EditPart(layers, writers, basis, 1.0)], name), output);
        return output;
    }

    private static Tensor Orthonormal(int size, int count, long seed)
    {
        using var generator = new Generator((ulong)seed);
        return linalg.qr(randn([size, count], generator: generator)).Q.contiguous();
    }

    private static double Dot(float[] v, double[] flat, int offset)
    {
        // flat holds Uᵀ row by row: u1 at 0, u2 at 64.
        double sum = 0;
        for (int i = 0; i < v.Length; i++)
        {
            sum += v[i] * flat[offset + i];
        }

        return sum;
    }

    private static double Dot(float[] u, float[] v) => u.Zip(v, (x, y) => (double)x * y).Sum();
}
