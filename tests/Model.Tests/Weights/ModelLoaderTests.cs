using Geode.Model.Checkpoints;
using Geode.Model.Native;
using Geode.Model.Weights;
using Geode.Tests;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Weights;

/// <summary>Checkpoints that disagree with their config are refused before any tensor data is read.</summary>
public sealed class ModelLoaderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public ModelLoaderTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_missing_tensor_is_named()
    {
        string folder = CopyFixture("llama-tiny", drop: "model.layers.2.mlp.up_proj.weight");

        var error = Assert.Throws<BadInputException>(() => ModelLoader.Load(folder));

        Assert.Contains("tensor 'layers.2.mlp.up_proj.weight' is missing", error.Message, StringComparison.Ordinal);
        Assert.Equal("layers.2.mlp.up_proj.weight", error.Field);
        Assert.Contains(folder, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shape_that_disagrees_with_the_config_is_named_with_both_shapes()
    {
        string folder = CopyFixture("gemma3-tiny");
        string config = Path.Combine(folder, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"intermediate_size\": 96", "\"intermediate_size\": 128", StringComparison.Ordinal));

        var error = Assert.Throws<BadInputException>(() => ModelLoader.Load(folder));

        Assert.Contains("tensor 'model.layers.0.mlp.gate_proj.weight' has shape [96, 64], but config.json implies [128, 64]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_integer_weight_is_refused()
    {
        string folder = CopyFixture("llama-tiny", replace: ("model.norm.weight", t => t.to(ScalarType.Int32)));

        var error = Assert.Throws<BadInputException>(() => ModelLoader.Load(folder));

        Assert.Contains("'model.norm.weight' is I32; model weights must be F32, BF16 or F16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Redundant_kv_tensors_of_shared_layers_are_tolerated_and_unused()
    {
        // Google's own releases keep k/v projections in KV-shared layers; they must not change anything.
        string plain = RepositoryPaths.HfFixture("gemma4-tiny-a");
        string folder = CopyFixture("gemma4-tiny-a", extra:
        [
            ("model.layers.4.self_attn.k_proj.weight", randn(32, 64)),
            ("model.layers.4.self_attn.v_proj.weight", randn(32, 64)),
            ("model.layers.4.self_attn.k_norm.weight", randn(16)),
        ]);
        using CausalLM reference = ModelLoader.Load(plain);
        using CausalLM withExtras = ModelLoader.Load(folder);
        using Tensor ids = randint(3, 256, [1, 10], dtype: ScalarType.Int64, generator: new Generator(1));

        using var a = reference.Forward(new Geode.Model.Inference.ForwardRequest(ids, ones_like(ids)));
        using var b = withExtras.Forward(new Geode.Model.Inference.ForwardRequest(ids, ones_like(ids)));

        Assert.True(a.Logits!.equal(b.Logits!).all().item<bool>());
        Assert.False(withExtras.Weights.Contains("layers.4.self_attn.k_proj.weight"));
    }

    [Fact]
    public void The_multimodal_prefix_and_vision_tensors_are_handled()
    {
        string folder = CopyFixture("gemma4-tiny-a", rename: name => name.Replace("model.", "model.language_model.", StringComparison.Ordinal), extra:
        [
            ("model.vision_tower.encoder.weight", randn(4, 4)),
            ("model.embed_vision.embedding_projection.weight", randn(64, 8)),
        ]);

        using CausalLM model = ModelLoader.Load(folder);

        Assert.Equal("model.language_model.embed_tokens.weight", model.Weights.CheckpointName("embed_tokens.weight"));
        Assert.DoesNotContain(model.Weights.Names, n => n.Contains("vision", StringComparison.Ordinal));
    }

    [Fact]
    public void Loading_converts_to_the_requested_dtype()
    {
        using CausalLM model = ModelLoader.Load(RepositoryPaths.HfFixture("llama-tiny"), new LoadOptions(ScalarType.BFloat16, CPU));

        Assert.Equal(ScalarType.BFloat16, model.DType);
        Assert.All(model.Weights.Names, n => Assert.Equal(ScalarType.BFloat16, model.Weights[n].dtype));
    }

    private string CopyFixture(
        string fixture,
        string? drop = null,
        (string Name, Func<Tensor, Tensor> Change)? replace = null,
        (string Name, Tensor Tensor)[]? extra = null,
        Func<string, string>? rename = null)
    {
        string source = RepositoryPaths.HfFixture(fixture);
        string folder = Path.Combine(_temp.Path, fixture);
        Directory.CreateDirectory(folder);
        foreach (string file in Directory.GetFiles(source).Where(f => Path.GetFileName(f) is "config.json" or "generation_config.json"))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        using SafetensorsFile checkpoint = SafetensorsFile.Open(Path.Combine(source, "model.safetensors"));
        var tensors = new List<(string, Tensor)>();
        foreach (TensorInfo info in checkpoint.Tensors.Where(t => t.Name != drop))
        {
            Tensor tensor = checkpoint.Read(info.Name);
            if (replace is { } r && r.Name == info.Name)
            {
                tensor = r.Change(tensor);
            }

            tensors.Add((rename?.Invoke(info.Name) ?? info.Name, tensor));
        }

        tensors.AddRange(extra ?? []);
        SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), tensors);
        return folder;
    }
}
