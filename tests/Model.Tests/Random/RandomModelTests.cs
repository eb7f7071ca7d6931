using Geode.Model.Inference;
using Geode.Model.Native;
using Geode.Model.Random;
using Geode.Model.Weights;
using Geode.Tests;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Random;

public sealed class RandomModelTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public RandomModelTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("gemma4-tiny")]
    [InlineData("gemma4-bench-small")]
    [InlineData("gemma4-e2b")]
    [InlineData("gemma4-e4b")]
    [InlineData("llama-small")]
    public void Presets_parse_into_the_documented_shapes(string preset)
    {
        var config = RandomConfigs.Get(preset);

        (int layers, int hidden, int firstShared) = preset switch
        {
            "gemma4-e2b" => (35, 1536, 15),
            "gemma4-e4b" => (42, 2560, 24),
            "gemma4-bench-small" => (12, 512, 8),
            "gemma4-tiny" => (6, 64, 3),
            _ => (8, 512, 8),
        };
        Assert.Equal(layers, config.NumLayers);
        Assert.Equal(hidden, config.HiddenSize);
        Assert.Equal(firstShared, config.Layers.Count(l => !l.SharesKv));
        Assert.Equal(Geode.Model.Config.AttentionKind.Full, config.Layers[^1].Kind);
    }

    [Fact]
    public void The_e2b_preset_matches_the_reference_layer_table()
    {
        var config = RandomConfigs.Get("gemma4-e2b");

        int[] full = [.. config.Layers.Where(l => l.Kind == Geode.Model.Config.AttentionKind.Full).Select(l => l.Index)];
        Assert.Equal([4, 9, 14, 19, 24, 29, 34], full);
        Assert.Equal(13, config.Layers[15].KvSourceLayer);
        Assert.Equal(14, config.Layers[19].KvSourceLayer);
        Assert.Equal(6144, config.Layers[14].IntermediateSize);
        Assert.Equal(12288, config.Layers[15].IntermediateSize);
        Assert.Equal(512, config.Layers[4].HeadDim);
        Assert.Equal(256, config.Layers[3].HeadDim);
    }

    [Fact]
    public void A_written_random_checkpoint_loads_back_to_the_same_logits()
    {
        string folder = Path.Combine(_temp.Path, "tiny");
        RandomCheckpoint.Write("gemma4-tiny", seed: 5, ScalarType.Float32, folder);
        using CausalLM direct = RandomModel.Create(RandomConfigs.Get("gemma4-tiny"), seed: 5, ScalarType.Float32, CPU);
        using CausalLM loaded = ModelLoader.Load(folder);
        using Tensor ids = randint(3, 256, [2, 9], dtype: ScalarType.Int64, generator: new Generator(1));
        using Tensor mask = ones_like(ids);

        using ForwardResult a = direct.Forward(new ForwardRequest(ids, mask));
        using ForwardResult b = loaded.Forward(new ForwardRequest(ids, mask));

        Assert.True(a.Logits!.equal(b.Logits!).all().item<bool>());
        Assert.True(a.Logits!.abs().max().item<float>() > 0);
    }

    [Fact]
    public void Different_seeds_give_different_weights()
    {
        using CausalLM one = RandomModel.Create(RandomConfigs.Get("gemma4-tiny"), seed: 1, ScalarType.Float32, CPU);
        using CausalLM two = RandomModel.Create(RandomConfigs.Get("gemma4-tiny"), seed: 2, ScalarType.Float32, CPU);

        Assert.False(one.Weights["layers.0.mlp.down_proj.weight"].equal(two.Weights["layers.0.mlp.down_proj.weight"]).all().item<bool>());
    }
}
