using System.Text.Json;
using Geode.Model.Config;

namespace Geode.Model.Organism;

/// <summary>
/// The organism's shape: a small Gemma 4 text decoder that still takes every Gemma 4 code path —
/// sliding and full layers with two head sizes, proportional RoPE, GQA, KV sharing for both layer
/// types, a double-wide MLP, per-layer embeddings, layer scalars and the final softcap.
/// </summary>
public static class OrganismConfig
{
    /// <summary>The <c>config.json</c> text for a vocabulary of <paramref name="vocabSize"/> tokens.</summary>
    /// <param name="vocabSize">The tokenizer's vocabulary size.</param>
    /// <param name="endOfTurnId">The id of <c>&lt;turn|&gt;</c>, a stop token besides <c>&lt;eos&gt;</c>.</param>
    public static string Json(int vocabSize, int endOfTurnId) => JsonSerializer.Serialize(
        new Dictionary<string, object>
        {
            ["architectures"] = new[] { "Gemma4ForCausalLM" },
            ["model_type"] = "gemma4_text",
            ["hidden_size"] = 128,
            ["num_hidden_layers"] = 6,
            ["layer_types"] = new[] { "sliding_attention", "sliding_attention", "full_attention", "sliding_attention", "sliding_attention", "full_attention" },
            ["num_attention_heads"] = 4,
            ["num_key_value_heads"] = 2,
            ["head_dim"] = 32,
            ["global_head_dim"] = 64,
            ["intermediate_size"] = 384,
            ["use_double_wide_mlp"] = true,
            ["num_kv_shared_layers"] = 2,
            ["sliding_window"] = 16,
            ["hidden_size_per_layer_input"] = 16,
            ["vocab_size"] = vocabSize,
            ["vocab_size_per_layer_input"] = vocabSize,
            ["rope_parameters"] = Random.RandomConfigs.Gemma4RopeParameters(),
            ["rms_norm_eps"] = 1e-6,
            ["hidden_activation"] = "gelu_pytorch_tanh",
            ["final_logit_softcapping"] = 30.0,
            ["tie_word_embeddings"] = true,
            ["attention_k_eq_v"] = false,
            ["enable_moe_block"] = false,
            ["pad_token_id"] = 0,
            ["eos_token_id"] = new[] { 1, endOfTurnId },
            ["bos_token_id"] = 2,
            ["dtype"] = "float32",
        },
        new JsonSerializerOptions { WriteIndented = true });

    /// <summary>The parsed configuration.</summary>
    public static ModelConfig Get(int vocabSize, int endOfTurnId) => ConfigReader.Parse(Json(vocabSize, endOfTurnId), "organism config");
}
