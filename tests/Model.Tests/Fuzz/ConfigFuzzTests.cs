using System.Text;
using System.Text.Json.Nodes;
using Geode.Model.Config;
using Geode.Tests;
using Geode.Tests.Fuzz;
using Xunit.Abstractions;

namespace Geode.Model.Tests.Fuzz;

/// <summary>
/// Hostile <c>config.json</c> and <c>generation_config.json</c> files (issue 9): mutations of real
/// configs of every family Geode reads (Gemma 4, Gemma 3 new and legacy, multimodal Gemma 3, Llama
/// with and without Llama 3 RoPE, Qwen2, Mistral), each read with <see cref="ConfigReader.Read"/>.
/// </summary>
public sealed class ConfigFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 4_242;
    private const int Cases = 1_500;

    /// <summary>Every key <see cref="ConfigReader"/> looks up, so renames and additions reach its field checks.</summary>
    private static readonly string[] Keys =
    [
        "model_type", "text_config", "hidden_size", "num_attention_heads", "num_key_value_heads", "num_global_key_value_heads",
        "num_hidden_layers", "layer_types", "head_dim", "global_head_dim", "per_layer_config", "num_kv_shared_layers",
        "intermediate_size", "use_double_wide_mlp", "rope_parameters", "hidden_size_per_layer_input", "vocab_size_per_layer_input",
        "vocab_size", "sliding_window", "rms_norm_eps", "final_logit_softcapping", "attn_logit_softcapping", "hidden_activation",
        "hidden_act", "attention_k_eq_v", "enable_moe_block", "use_bidirectional_attention", "sliding_window_pattern",
        "_sliding_window_pattern", "query_pre_attn_scalar", "rope_theta", "rope_local_base_freq", "rope_scaling", "rope_type", "type",
        "factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings", "partial_rotary_factor", "full_attention",
        "sliding_attention", "use_sliding_window", "max_window_layers", "attention_bias", "mlp_bias", "eos_token_id", "pad_token_id",
        "bos_token_id", "tie_word_embeddings",
    ];

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Every_mutated_config_reads_or_is_refused_with_a_BadInputException_within_bounds()
    {
        (string Name, string Json)[] configs = Bases();
        string generation = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "models", "organism", "generation_config.json"));
        string folder = _temp.Path;
        var runner = new FuzzRunner("config.json", Seed, output);
        foreach ((string name, string json) in configs)
        {
            runner.Baseline(Encoding.UTF8.GetBytes(json), input => Read(folder, input.Bytes, Encoding.UTF8.GetBytes(generation)));
        }

        // One case in eight mutates generation_config.json under an intact config instead.
        runner.Run(
            Cases,
            random =>
            {
                (string name, string json) = configs[random.Next(configs.Length)];
                bool generationCase = random.Next(8) == 0;
                string target = generationCase ? generation : json;
                string targetName = generationCase ? "generation_config.json" : $"{name} config.json";
                FuzzInput mutated = random.Next(10) < 7
                    ? JsonMutator.Mutate(target, random, targetName, Keys)
                    : ByteMutator.Mutate(Encoding.UTF8.GetBytes(target), random, targetName);
                return generationCase
                    ? new FuzzInput(Pack(Encoding.UTF8.GetBytes(json), mutated.Bytes), mutated.Mutation)
                    : new FuzzInput(Pack(mutated.Bytes, Encoding.UTF8.GetBytes(generation)), mutated.Mutation);
            },
            input =>
            {
                (byte[] config, byte[] generationBytes) = Unpack(input.Bytes);
                Read(folder, config, generationBytes);
            },
            "config.json");
    }

    private static void Read(string folder, byte[] config, byte[] generation)
    {
        File.WriteAllBytes(Path.Combine(folder, "config.json"), config);
        File.WriteAllBytes(Path.Combine(folder, "generation_config.json"), generation);
        ModelConfig read = ConfigReader.Read(folder);
        Assert.Equal(read.NumLayers, read.Layers.Count);
    }

    // The runner measures one byte array per case; the two files travel in it behind a length.
    private static byte[] Pack(byte[] config, byte[] generation) => [.. BitConverter.GetBytes(config.Length), .. config, .. generation];

    private static (byte[] Config, byte[] Generation) Unpack(byte[] packed)
    {
        int length = BitConverter.ToInt32(packed);
        return (packed[4..(4 + length)], packed[(4 + length)..]);
    }

    /// <summary>The shipped organism, the tiny reference fixtures, and variants of them for the readers' other paths.</summary>
    private static (string Name, string Json)[] Bases()
    {
        string Fixture(string name) => File.ReadAllText(Path.Combine(RepositoryPaths.HfFixture(name), "config.json"));
        string llama = Fixture("llama-tiny");
        string gemma3 = Fixture("gemma3-tiny");

        string Edit(string json, Action<JsonObject> edit)
        {
            var root = (JsonObject)JsonNode.Parse(json)!;
            edit(root);
            return root.ToJsonString();
        }

        return
        [
            ("organism", File.ReadAllText(Path.Combine(RepositoryPaths.Root, "models", "organism", "config.json"))),
            ("gemma4-tiny-a", Fixture("gemma4-tiny-a")),
            ("gemma4-tiny-b", Fixture("gemma4-tiny-b")),
            ("gemma3-tiny", gemma3),
            ("llama-tiny", llama),
            ("gemma3 legacy", Edit(gemma3, c =>
            {
                c.Remove("layer_types");
                c.Remove("rope_parameters");
                c["rope_theta"] = 1_000_000;
                c["rope_local_base_freq"] = 10_000;
                c["sliding_window_pattern"] = 2;
                c["rope_scaling"] = new JsonObject { ["rope_type"] = "linear", ["factor"] = 8.0 };
            })),
            ("gemma3 multimodal", Edit("{}", c =>
            {
                c["model_type"] = "gemma3";
                c["text_config"] = JsonNode.Parse(gemma3);
                c["eos_token_id"] = new JsonArray(1, 106);
            })),
            ("llama3 rope", Edit(llama, c =>
            {
                c.Remove("rope_parameters");
                c["rope_theta"] = 500_000;
                c["rope_scaling"] = new JsonObject
                {
                    ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 8192,
                };
            })),
            ("qwen2", Edit(llama, c =>
            {
                c["model_type"] = "qwen2";
                c["use_sliding_window"] = true;
                c["sliding_window"] = 4;
                c["max_window_layers"] = 1;
            })),
            ("mistral", Edit(llama, c =>
            {
                c["model_type"] = "mistral";
                c["sliding_window"] = 4;
            })),
        ];
    }
}
