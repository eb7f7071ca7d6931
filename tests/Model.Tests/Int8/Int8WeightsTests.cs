using Geode.Model.Checkpoints;
using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Native;
using Geode.Model.Random;
using Geode.Model.Weights;
using Geode.Tests;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Int8;

/// <summary>Row-wise int8 quantisation, how an int8 model holds its tensors, and what they cost in memory.</summary>
public sealed class Int8WeightsTests(ITestOutputHelper output)
{
    private static readonly ModelPrecision Int8 = new(ScalarType.BFloat16, WeightFormat.Int8);

    [Fact]
    public void Quantising_keeps_every_entry_within_half_a_step_and_uses_the_full_code_range()
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        using var scope = NewDisposeScope();
        Tensor w = randn([37, 53], generator: new Generator(4)) * linspace(0.01, 10, 37).unsqueeze(1);
        w[5] = zeros(53);

        (Tensor codes, Tensor scales) = Int8Rows.Quantize(w);
        Tensor back = Int8Rows.Dequantize(codes, scales, ScalarType.Float32);

        Assert.Equal(ScalarType.Int8, codes.dtype);
        Assert.Equal(127, codes.abs().to(ScalarType.Int32).amax([1]).masked_select(arange(37).ne(5)).min().item<int>());
        Assert.Equal(0f, scales[5].item<float>());
        Assert.True(back[5].eq(0).all().item<bool>());
        Tensor step = scales.unsqueeze(1);
        Assert.True((back - w).abs().le((step * 0.5) + 1e-6).all().item<bool>());
    }

    [Fact]
    public void Requantising_a_dequantised_matrix_gives_back_the_same_codes()
    {
        // What makes an in-place int8 edit smaller than half a step vanish: the dequantised weight
        // lies on the grid, so requantising it reproduces every code.
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        using var scope = NewDisposeScope();
        (Tensor codes, Tensor scales) = Int8Rows.Quantize(randn([64, 200], generator: new Generator(9)));

        (Tensor again, Tensor againScales) = Int8Rows.Quantize(Int8Rows.Dequantize(codes, scales, ScalarType.Float32));

        Assert.True(again.equal(codes).all().item<bool>());
        Assert.True(((againScales - scales).abs() / scales).max().item<float>() < 1e-6);
    }

    [Fact]
    public void A_linear_over_more_codes_than_one_block_equals_the_dequantised_product()
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        using var scope = NewDisposeScope();
        long columns = 64, rows = (Int8Rows.BlockElements / columns) + 300;   // two blocks, the second partial
        (Tensor codes, Tensor scales) = Int8Rows.Quantize(randn([rows, columns], generator: new Generator(2)));
        Tensor x = randn([2, 3, columns], generator: new Generator(3));
        Tensor bias = randn([rows], generator: new Generator(5));

        Tensor blocked = Int8Rows.Linear(x, codes, scales, bias);
        Tensor whole = nn.functional.linear(x, Int8Rows.Dequantize(codes, scales, ScalarType.Float32), bias);

        Assert.Equal([2, 3, rows], blocked.shape);
        Assert.True((blocked - whole).abs().max().item<float>() < 1e-3);
    }

    [Fact]
    public void An_int8_load_quantises_every_matrix_and_keeps_vectors_in_the_compute_dtype()
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        using CausalLM model = ModelLoader.Load(RepositoryPaths.HfFixture("gemma4-tiny-a"), LoadOptions.For(Int8, CPU));
        using CausalLM dense = ModelLoader.Load(RepositoryPaths.HfFixture("gemma4-tiny-a"), LoadOptions.For(new ModelPrecision(ScalarType.Float32), CPU));

        Assert.True(model.HasInt8Weights);
        Assert.Equal(Int8, model.Precision);
        Assert.Equal(ScalarType.BFloat16, model.DType);
        Assert.False(dense.HasInt8Weights);
        foreach (string name in model.Weights.Names)
        {
            Tensor stored = model.Weights[name];
            bool matrix = stored.dim() == 2;
            Assert.Equal(matrix ? ScalarType.Int8 : ScalarType.BFloat16, stored.dtype);
            Assert.Equal(matrix, model.Weights.RowScales(name) is not null);
            if (matrix)
            {
                // Each matrix is its float32 original to within half a step of its row's scale.
                using var scope = NewDisposeScope();
                Tensor error = (model.Weights.Dequantized(name, ScalarType.Float32) - dense.Weights[name]).abs();
                Assert.True(error.le((model.Weights.RowScales(name)!.unsqueeze(1) * 0.5) + 1e-6).all().item<bool>(), name);
            }
        }
    }

    [Fact]
    public void The_writer_weight_accessors_agree_with_the_store()
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        using var scope = NewDisposeScope();
        using CausalLM model = ModelLoader.Load(RepositoryPaths.HfFixture("gemma4-tiny-a"), LoadOptions.For(Int8, CPU));
        using CausalLM dense = ModelLoader.Load(RepositoryPaths.HfFixture("gemma4-tiny-a"), LoadOptions.For(new ModelPrecision(ScalarType.BFloat16), CPU));

        foreach (WriterKind writer in model.Writers)
        {
            string name = writer.WeightName(2);
            Assert.True(model.WriterWeight(2, writer).equal(model.Weights[name]).all().item<bool>());
            Assert.True(model.WriterWeightScales(2, writer)!.equal(model.Weights.RowScales(name)!).all().item<bool>());
            Assert.True(model.DequantizedWriterWeight(2, writer).equal(model.Weights.Dequantized(name, ScalarType.Float32)).all().item<bool>());
            Assert.Null(dense.WriterWeightScales(2, writer));
            Assert.True(dense.DequantizedWriterWeight(2, writer).equal(dense.WriterWeight(2, writer).to(ScalarType.Float32)).all().item<bool>());
        }
    }

    [Fact]
    public void A_weight_edit_on_an_int8_model_requantises_the_edited_writers_only()
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        using var scope = NewDisposeScope();
        using CausalLM model = ModelLoader.Load(RepositoryPaths.HfFixture("llama-tiny"), LoadOptions.For(Int8, CPU));
        Tensor untouched = model.WriterWeight(0, WriterKind.MlpOutput).clone();
        Tensor before = model.DequantizedWriterWeight(1, WriterKind.AttentionOutput);
        var edit = new Edit([new EditPart([1], [WriterKind.AttentionOutput], randn([model.Config.HiddenSize, 1], generator: new Generator(8)), 1.0)], "one writer");

        model.ApplyToWeights(edit);

        Tensor r = edit.Parts[0].Basis / edit.Parts[0].Basis.norm();
        Tensor expected = before - r.matmul(r.T.matmul(before));
        (Tensor codes, Tensor scales) = Int8Rows.Quantize(expected);
        Assert.Equal(ScalarType.Int8, model.WriterWeight(1, WriterKind.AttentionOutput).dtype);
        Assert.True(model.WriterWeight(1, WriterKind.AttentionOutput).ne(codes).sum().item<long>() <= 2, "codes differ beyond float32 ties");
        Assert.True((model.WriterWeightScales(1, WriterKind.AttentionOutput)! - scales).abs().max().item<float>() < 1e-6);
        Assert.True(model.WriterWeight(0, WriterKind.MlpOutput).equal(untouched).all().item<bool>());
    }

    [Theory]
    [InlineData(ScalarType.Float32, WeightFormat.Dense)]
    [InlineData(ScalarType.BFloat16, WeightFormat.Dense)]
    [InlineData(ScalarType.BFloat16, WeightFormat.Int8)]
    [InlineData(ScalarType.Float32, WeightFormat.Int8)]
    public void The_resident_bytes_of_a_loaded_model_match_the_closed_form_and_its_tensors(ScalarType compute, WeightFormat weights)
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        var precision = new ModelPrecision(compute, weights);
        ModelConfig config = RandomConfigs.Get("gemma4-tiny");
        using CausalLM model = RandomModel.Create(config, seed: 1, precision, CPU);

        long counted = model.Weights.Names.Sum(name =>
        {
            Tensor t = model.Weights[name];
            Tensor? s = model.Weights.RowScales(name);
            return (t.NumberOfElements * t.ElementSize) + (s is null ? 0 : s.NumberOfElements * 4);
        });

        Assert.Equal(counted, model.WeightBytes);
        Assert.Equal(WeightFootprint.Bytes(config, precision), model.WeightBytes);
        Assert.Equal(precision.Int8Weights, model.HasInt8Weights);
    }

    [Theory]
    [InlineData("gemma4-e2b")]
    [InlineData("gemma4-e4b")]
    public void Int8_holds_a_gemma4_e_model_in_at_most_55_percent_of_bfloat16_only_with_its_embeddings_quantised(string preset)
    {
        ModelConfig config = RandomConfigs.Get(preset);
        long bf16 = WeightFootprint.Bytes(config, new ModelPrecision(ScalarType.BFloat16));
        double linears = WeightFootprint.Bytes(config, Int8, Int8Scope.Linears) / (double)bf16;
        double perLayer = WeightFootprint.Bytes(config, Int8, Int8Scope.LinearsAndPerLayerTable) / (double)bf16;
        double all = WeightFootprint.Bytes(config, Int8) / (double)bf16;
        output.WriteLine($"{preset}: bfloat16 {bf16 / 1e9:F3} GB; int8 linears only {linears:P1}, + per-layer table {perLayer:P1}, + token embedding (default) {all:P1} ({WeightFootprint.Bytes(config, Int8) / 1e9:F3} GB)");

        // Gemma 4's embeddings are most of its parameters: linears alone cannot reach the bound.
        Assert.True(linears > 0.7);
        Assert.True(perLayer < 0.55);
        Assert.True(all <= 0.51, $"{all:P2}");
    }

    [Fact]
    public void A_random_int8_model_holds_the_same_draw_as_the_dense_one_quantised()
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        using var scope = NewDisposeScope();
        ModelConfig config = RandomConfigs.Get("gemma4-tiny");
        using CausalLM dense = RandomModel.Create(config, seed: 3, ScalarType.Float32, CPU);
        using CausalLM int8 = RandomModel.Create(config, seed: 3, Int8, CPU);

        foreach (string name in new[] { "embed_tokens_per_layer.weight", "layers.2.mlp.down_proj.weight", "embed_tokens.weight" })
        {
            (Tensor codes, Tensor scales) = Int8Rows.Quantize(dense.Weights[name]);
            Assert.True(int8.Weights[name].equal(codes).all().item<bool>(), name);
            Assert.True(int8.Weights.RowScales(name)!.equal(scales).all().item<bool>(), name);
        }
    }

    [Fact]
    public void Reading_rows_gives_the_same_values_as_reading_the_whole_tensor()
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        using var scope = NewDisposeScope();
        using CheckpointFolder checkpoint = CheckpointFolder.Open(RepositoryPaths.HfFixture("gemma4-tiny-a"));
        const string name = "model.embed_tokens_per_layer.weight";

        Tensor whole = checkpoint.Read(name, ScalarType.Float32);
        Tensor rows = checkpoint.ReadRows(name, 17, 40, ScalarType.Float32);

        Assert.True(rows.equal(whole.narrow(0, 17, 40)).all().item<bool>());
        Assert.Throws<ArgumentOutOfRangeException>(() => checkpoint.ReadRows(name, whole.shape[0] - 1, 2, ScalarType.Float32));
    }
}
