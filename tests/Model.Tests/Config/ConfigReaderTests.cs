using Geode.Model.Config;
using Geode.Model.Native;
using Geode.Tests;

namespace Geode.Model.Tests.Config;

public sealed class ConfigReaderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public ConfigReaderTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    public void Dispose() => _temp.Dispose();

    /// <summary>Google's released E2B config.json: multimodal wrapper, global_head_dim, eos list at the top.</summary>
    private const string E2BMultimodal = """
        {
          "architectures": ["Gemma4ForConditionalGeneration"],
          "model_type": "gemma4",
          "eos_token_id": [1, 106],
          "text_config": {
            "model_type": "gemma4_text",
            "hidden_size": 1536, "num_hidden_layers": 35, "num_attention_heads": 8, "num_key_value_heads": 1,
            "head_dim": 256, "global_head_dim": 512, "intermediate_size": 6144, "use_double_wide_mlp": true,
            "num_kv_shared_layers": 20, "sliding_window": 512,
            "layer_types": [LAYERS],
            "rope_parameters": {
              "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
              "full_attention": {"rope_type": "proportional", "partial_rotary_factor": 0.25, "rope_theta": 1000000.0}
            },
            "hidden_size_per_layer_input": 256, "vocab_size": 262144, "vocab_size_per_layer_input": 262144,
            "final_logit_softcapping": 30.0, "rms_norm_eps": 1e-06, "hidden_activation": "gelu_pytorch_tanh",
            "attention_k_eq_v": false, "enable_moe_block": false, "num_global_key_value_heads": null,
            "tie_word_embeddings": true, "pad_token_id": 0, "bos_token_id": 2, "eos_token_id": 1
          }
        }
        """;

    [Fact]
    public void Googles_multimodal_e2b_config_gives_the_reference_layer_table()
    {
        string layers = string.Join(", ", Enumerable.Range(0, 35).Select(i => (i + 1) % 5 == 0 ? "\"full_attention\"" : "\"sliding_attention\""));
        string folder = Write(E2BMultimodal.Replace("LAYERS", layers, StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(folder, "generation_config.json"), """{"eos_token_id": [1, 106, 50]}""");

        ModelConfig config = ConfigReader.Read(folder);

        Assert.Equal(ModelFamily.Gemma4, config.Family);
        Assert.Equal("gemma4_text", config.ModelType);
        Assert.Equal([4, 9, 14, 19, 24, 29, 34], config.Layers.Where(l => l.Kind == AttentionKind.Full).Select(l => l.Index));
        Assert.All(config.Layers.Where(l => l.Index >= 15 && l.Kind == AttentionKind.Sliding), l => Assert.Equal(13, l.KvSourceLayer));
        Assert.All(config.Layers.Where(l => l.Index >= 15 && l.Kind == AttentionKind.Full), l => Assert.Equal(14, l.KvSourceLayer));
        Assert.All(config.Layers.Take(15), l => Assert.Null(l.KvSourceLayer));
        Assert.Equal([6144, 12288], config.Layers.Select(l => l.IntermediateSize).Distinct());
        Assert.Equal(12288, config.Layers[15].IntermediateSize);
        Assert.Equal(512, config.Layers[4].HeadDim);
        Assert.Equal(256, config.Layers[0].HeadDim);
        Assert.Equal(64, config.Layers[4].Rope.RotatedPairs);
        Assert.Equal(128, config.Layers[0].Rope.RotatedPairs);
        Assert.Equal([1, 50, 106], config.EosTokenIds.Order());
        Assert.Equal(1.0, config.AttentionScale);
        Assert.Equal(256, config.PerLayerInputSize);
    }

    [Fact]
    public void Proportional_rope_rotates_the_first_quarter_and_zeroes_the_rest()
    {
        var spec = new RopeSpec(1_000_000, HeadDim: 512, RotatedPairs: 64, LinearFactor: 1, Llama3: null);

        float[] inverse = spec.InverseFrequencies().data<float>().ToArray();

        Assert.Equal(256, inverse.Length);
        Assert.All(inverse.Skip(64), f => Assert.Equal(0f, f));
        for (int k = 0; k < 64; k++)
        {
            // The exponent's denominator is the full head size, 512, not the rotated 128.
            Assert.Equal(Math.Pow(1_000_000, -2.0 * k / 512), inverse[k], 1e-6 * Math.Max(1, inverse[k]));
        }
    }

    [Fact]
    public void Llama3_rope_scaling_matches_its_closed_form()
    {
        var scaling = new Llama3RopeScaling(Factor: 8, LowFrequencyFactor: 1, HighFrequencyFactor: 4, OriginalContext: 8192);
        var spec = new RopeSpec(500_000, HeadDim: 128, RotatedPairs: 64, LinearFactor: 1, scaling);

        float[] inverse = spec.InverseFrequencies().data<float>().ToArray();

        for (int k = 0; k < 64; k++)
        {
            double f = Math.Pow(500_000, -2.0 * k / 128);
            double wavelength = 2 * Math.PI / f;
            double expected = wavelength < 8192 / 4.0 ? f
                : wavelength > 8192 / 1.0 ? f / 8
                : ((1 - ((8192 / wavelength) - 1) / 3) * f / 8) + (((8192 / wavelength) - 1) / 3 * f);
            Assert.Equal(expected, inverse[k], Math.Abs(expected) * 1e-5);
        }
    }

    [Fact]
    public void Legacy_gemma3_keys_set_local_and_global_rope_and_the_layer_pattern()
    {
        string folder = Write("""
            {"model_type": "gemma3_text", "hidden_size": 64, "num_hidden_layers": 12, "num_attention_heads": 4,
             "num_key_value_heads": 2, "head_dim": 16, "intermediate_size": 96, "vocab_size": 256, "sliding_window": 4,
             "sliding_window_pattern": 6, "query_pre_attn_scalar": 256, "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0,
             "rope_scaling": {"rope_type": "linear", "factor": 8.0}}
            """);

        ModelConfig config = ConfigReader.Read(folder);

        Assert.Equal([5, 11], config.Layers.Where(l => l.Kind == AttentionKind.Full).Select(l => l.Index));
        Assert.Equal(8.0, config.Layers[5].Rope.LinearFactor);
        Assert.Equal(1_000_000, config.Layers[5].Rope.Theta);
        Assert.Equal(1.0, config.Layers[0].Rope.LinearFactor);
        Assert.Equal(10_000, config.Layers[0].Rope.Theta);
        Assert.Equal(1.0 / 16, config.AttentionScale, 12);
        Assert.True(config.NormAddsOne);
    }

    [Theory]
    [InlineData("qwen2", true, false)]
    [InlineData("llama", false, false)]
    public void Qwen2_has_qkv_biases_and_llama_none(string modelType, bool qkvBias, bool outputBias)
    {
        string folder = Write($$"""
            {"model_type": "{{modelType}}", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
             "num_key_value_heads": 2, "intermediate_size": 96, "vocab_size": 256, "rope_theta": 1000000.0,
             "tie_word_embeddings": true}
            """);

        ModelConfig config = ConfigReader.Read(folder);

        Assert.Equal(qkvBias, config.QkvBias);
        Assert.Equal(outputBias, config.OutputBias);
        Assert.True(config.TieWordEmbeddings);
        Assert.Equal(16, config.Layers[0].HeadDim);
        Assert.Equal(0.25, config.AttentionScale, 12);
    }

    [Fact]
    public void Mistral_slides_every_layer_when_a_window_is_set()
    {
        string folder = Write("""
            {"model_type": "mistral", "hidden_size": 64, "num_hidden_layers": 3, "num_attention_heads": 4,
             "num_key_value_heads": 2, "intermediate_size": 96, "vocab_size": 256, "sliding_window": 4096}
            """);

        ModelConfig config = ConfigReader.Read(folder);

        Assert.All(config.Layers, l => Assert.Equal(AttentionKind.Sliding, l.Kind));
        Assert.Equal(4096, config.SlidingWindow);
    }

    [Fact]
    public void An_unknown_model_type_lists_the_supported_ones()
    {
        string folder = Write("""{"model_type": "gpt2", "n_embd": 768}""");

        var error = Assert.Throws<BadInputException>(() => ConfigReader.Read(folder));

        Assert.Contains("config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("'gpt2'", error.Message, StringComparison.Ordinal);
        Assert.Contains("gemma4, gemma4_text, gemma3, gemma3_text, llama, qwen2, mistral", error.Message, StringComparison.Ordinal);
        Assert.Equal("model_type", error.Field);
    }

    [Theory]
    [InlineData("""{"model_type": "llama", "hidden_size": 64}""", "num_attention_heads", "is missing")]
    [InlineData("""{"model_type": "llama", "hidden_size": "64"}""", "hidden_size", "must be an integer")]
    [InlineData("""{"model_type": "llama", "hidden_size": -4}""", "hidden_size", "must be positive")]
    [InlineData("""{"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 3, "num_hidden_layers": 1}""", "num_key_value_heads", "divide")]
    [InlineData("""{"model_type": "gemma4_text", "attention_k_eq_v": true}""", "attention_k_eq_v", "not implemented")]
    [InlineData("""{"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2147483647}""", "num_hidden_layers", "at most 1024 layers")]
    [InlineData("""{"model_type": "gemma3_text", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2, "sliding_window_pattern": 0}""", "sliding_window_pattern", "must be positive")]
    [InlineData("""{"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 1, "rope_theta": 1e999}""", "rope_theta", "must be a finite number")]
    [InlineData("""{"model_type": "llama", "hidden_size": 2, "num_attention_heads": 4, "num_hidden_layers": 1}""", "hidden_size", "a head would have no dimensions")]
    [InlineData("""{"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 1, "head_dim": 0}""", "head_dim", "must be positive")]
    [InlineData("""{"model_type": "llama\ud800"}""", "model_type", "unpaired UTF-16 surrogate")]
    public void A_bad_field_is_named_with_what_was_found(string json, string field, string says)
    {
        string folder = Write(json);

        var error = Assert.Throws<BadInputException>(() => ConfigReader.Read(folder));

        Assert.Equal(field, error.Field);
        Assert.Contains(says, error.Message, StringComparison.Ordinal);
        Assert.StartsWith(Path.Combine(folder, "config.json") + ": ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rotary_fraction_outside_0_to_1_is_refused()
    {
        string layers = string.Join(", ", Enumerable.Range(0, 35).Select(i => (i + 1) % 5 == 0 ? "\"full_attention\"" : "\"sliding_attention\""));
        string json = E2BMultimodal.Replace("LAYERS", layers, StringComparison.Ordinal).Replace("\"partial_rotary_factor\": 0.25", "\"partial_rotary_factor\": 4", StringComparison.Ordinal);

        var error = Assert.Throws<BadInputException>(() => ConfigReader.Read(Write(json)));

        Assert.Equal("text_config.rope_parameters.full_attention.partial_rotary_factor", error.Field);
        Assert.Contains("is 4; it is the fraction of each head that rotates, between 0 and 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_json_names_the_file_and_line()
    {
        string folder = Write("{\n  \"model_type\": \"llama\",\n  \"hidden_size\": 64 64\n}");

        var error = Assert.Throws<BadInputException>(() => ConfigReader.Read(folder));

        Assert.Contains("malformed JSON at line 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("config.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_config_is_named()
    {
        var error = Assert.Throws<BadInputException>(() => ConfigReader.Read(_temp.Path));

        Assert.Contains(Path.Combine(_temp.Path, "config.json") + ": file not found", error.Message, StringComparison.Ordinal);
    }

    private string Write(string json)
    {
        string folder = Path.Combine(_temp.Path, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), json);
        return folder;
    }
}
