using System.Text.Json;
using Geode.Model.Config;

namespace Geode.Model.Random;

/// <summary>
/// Named model shapes for randomly initialised models, so throughput can be measured without
/// downloading weights. The Gemma 4 E2B/E4B shapes follow <c>reference/gemma4.md</c> §2.1.
/// </summary>
public static class RandomConfigs
{
    private static readonly Dictionary<string, Func<string>> Presets = new(StringComparer.Ordinal)
    {
        // Gemma 4 E2B: 35 layers [s,s,s,s,F]×7, MQA, 256/512 head sizes, 20 KV-shared layers, double-wide MLP.
        ["gemma4-e2b"] = () => Gemma4(hidden: 1536, layers: 35, kvHeads: 1, headDim: 256, globalHeadDim: 512, mlp: 6144,
            shared: 20, doubleWide: true, window: 512, perLayer: 256, vocab: 262144, period: 5),

        // Gemma 4 E4B: 42 layers [s×5,F]×7, GQA 8:2, 18 KV-shared layers.
        ["gemma4-e4b"] = () => Gemma4(hidden: 2560, layers: 42, kvHeads: 2, headDim: 256, globalHeadDim: 512, mlp: 10240,
            shared: 18, doubleWide: false, window: 512, perLayer: 256, vocab: 262144, period: 6),

        // The capture benchmark's model: H 512, 12 layers, 8/2 heads, 64/128 head sizes, 4 KV-shared layers.
        ["gemma4-bench-small"] = () => Gemma4(hidden: 512, layers: 12, kvHeads: 2, headDim: 64, globalHeadDim: 128, mlp: 2048,
            shared: 4, doubleWide: false, window: 64, perLayer: 64, vocab: 8192, period: 6),

        // Small enough for tests: every Gemma 4 code path, a few hundred thousand parameters.
        ["gemma4-tiny"] = () => Gemma4(hidden: 64, layers: 6, kvHeads: 2, headDim: 16, globalHeadDim: 32, mlp: 96,
            shared: 3, doubleWide: true, window: 4, perLayer: 8, vocab: 256, period: 3),

        ["llama-small"] = () => Llama(hidden: 512, layers: 8, heads: 8, kvHeads: 2, mlp: 1536, vocab: 8192),
    };

    /// <summary>The preset names.</summary>
    public static IReadOnlyCollection<string> Names => Presets.Keys;

    /// <summary>The configuration of preset <paramref name="name"/>.</summary>
    /// <exception cref="BadInputException">No preset has that name.</exception>
    public static ModelConfig Get(string name, string flag = "--random-config") => ConfigReader.Parse(Json(name, flag), $"{flag} {name}");

    /// <summary>The preset as <c>config.json</c> text, as transformers would read it.</summary>
    /// <exception cref="BadInputException">No preset has that name.</exception>
    public static string Json(string name, string flag = "--random-config") =>
        Presets.TryGetValue(name, out Func<string>? json)
            ? json()
            : throw new BadInputException($"{flag}: no preset named '{name}'; presets: {string.Join(", ", Presets.Keys)}.", flag);

    private static string Gemma4(int hidden, int layers, int kvHeads, int headDim, int globalHeadDim, int mlp, int shared, bool doubleWide, int window, int perLayer, int vocab, int period)
    {
        // Every period-th layer is global, and so is the last, as in the released models.
        string[] types = [.. Enumerable.Range(0, layers).Select(i => (i + 1) % period == 0 || i == layers - 1 ? "full_attention" : "sliding_attention")];
        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model_type"] = "gemma4_text",
            ["hidden_size"] = hidden,
            ["num_hidden_layers"] = layers,
            ["num_attention_heads"] = 8,
            ["num_key_value_heads"] = kvHeads,
            ["head_dim"] = headDim,
            ["global_head_dim"] = globalHeadDim,
            ["intermediate_size"] = mlp,
            ["use_double_wide_mlp"] = doubleWide,
            ["num_kv_shared_layers"] = shared,
            ["layer_types"] = types,
            ["sliding_window"] = window,
            ["hidden_size_per_layer_input"] = perLayer,
            ["vocab_size"] = vocab,
            ["vocab_size_per_layer_input"] = vocab,
            ["rope_parameters"] = Gemma4RopeParameters(),
            ["rms_norm_eps"] = 1e-6,
            ["hidden_activation"] = "gelu_pytorch_tanh",
            ["final_logit_softcapping"] = 30.0,
            ["tie_word_embeddings"] = true,
            ["pad_token_id"] = 0,
            ["bos_token_id"] = 2,
            ["eos_token_id"] = new[] { 1, 106 },
        });
    }

    /// <summary>Gemma 4 E2B/E4B's RoPE: θ 10⁴ on sliding layers, proportional θ 10⁶ with a quarter rotated on full ones.</summary>
    internal static Dictionary<string, object> Gemma4RopeParameters() => new()
    {
        ["sliding_attention"] = new Dictionary<string, object> { ["rope_type"] = "default", ["rope_theta"] = 10000.0 },
        ["full_attention"] = new Dictionary<string, object> { ["rope_type"] = "proportional", ["partial_rotary_factor"] = 0.25, ["rope_theta"] = 1000000.0 },
    };

    private static string Llama(int hidden, int layers, int heads, int kvHeads, int mlp, int vocab) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model_type"] = "llama",
            ["hidden_size"] = hidden,
            ["num_hidden_layers"] = layers,
            ["num_attention_heads"] = heads,
            ["num_key_value_heads"] = kvHeads,
            ["intermediate_size"] = mlp,
            ["vocab_size"] = vocab,
            ["rope_theta"] = 500000.0,
            ["rms_norm_eps"] = 1e-5,
            ["hidden_act"] = "silu",
            ["tie_word_embeddings"] = false,
            ["pad_token_id"] = 0,
            ["bos_token_id"] = 2,
            ["eos_token_id"] = 1,
        });
}
