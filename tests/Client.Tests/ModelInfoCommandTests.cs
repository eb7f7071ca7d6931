using System.Text.Json;
using Geode.Model.Checkpoints;

namespace Geode.Client.Tests;

public sealed class ModelInfoCommandTests
{
    [Fact]
    public async Task Gemma4_tiny_a_shows_its_layers_kv_sharing_and_exact_parameter_count()
    {
        string folder = Fixtures.Folder("gemma4-tiny-a");
        long expected;
        using (SafetensorsFile file = SafetensorsFile.Open(Path.Combine(folder, "model.safetensors")))
        {
            // Every tensor of this text-only checkpoint belongs to the decoder, and it stores no k/v for shared layers.
            Assert.DoesNotContain(file.Tensors, t => t.Name.StartsWith("model.layers.3.self_attn.k_proj", StringComparison.Ordinal));
            expected = file.Tensors.Sum(t => t.Shape.Aggregate(1L, (product, dim) => product * dim));
        }

        CliResult result = await CliRunner.RunAsync("model", "info", "--model", folder, "--json");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        JsonElement[] layers = [.. root.GetProperty("layers").EnumerateArray()];
        Assert.Equal(6, root.GetProperty("num_layers").GetInt32());
        Assert.Equal(["sliding", "sliding", "full", "sliding", "sliding", "full"], layers.Select(l => l.GetProperty("type").GetString()));
        Assert.Equal([16, 16, 32, 16, 16, 32], layers.Select(l => l.GetProperty("head_dim").GetInt32()));
        Assert.Equal([0, 1, 2, 1, 1, 2], layers.Select(l => l.GetProperty("kv_source").GetInt32()));
        Assert.Equal([96, 96, 96, 192, 192, 192], layers.Select(l => l.GetProperty("mlp_width").GetInt32()));
        Assert.All(layers, l => Assert.Equal(["o_proj", "down_proj", "per_layer_projection"], l.GetProperty("writers").EnumerateArray().Select(w => w.GetString())));
        Assert.Equal(expected, root.GetProperty("parameter_count").GetInt64());
        Assert.Equal(0, root.GetProperty("redundant_kv_tensors").GetInt32());
        Assert.Equal("gemma4_text", root.GetProperty("model_type").GetString());
        Assert.Equal("Gemma4", root.GetProperty("family").GetString());
        Assert.Equal(64, root.GetProperty("hidden_size").GetInt32());
        Assert.Equal(4, root.GetProperty("num_heads").GetInt32());
        Assert.Equal(2, root.GetProperty("num_kv_heads").GetInt32());
        Assert.Equal(256, root.GetProperty("vocab_size").GetInt32());
        Assert.Equal(8, root.GetProperty("per_layer_input_size").GetInt32());
        Assert.Equal(30.0, root.GetProperty("final_logit_softcap").GetDouble());
        Assert.True(root.GetProperty("tied_lm_head").GetBoolean());
        Assert.Equal(["F32"], root.GetProperty("dtypes").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal([1], root.GetProperty("stop_ids").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal("gemma4", root.GetProperty("chat_template").GetString());
    }

    [Fact]
    public async Task Text_output_summarises_the_same_facts()
    {
        CliResult result = await CliRunner.RunAsync("model", "info", "--model", Fixtures.Folder("gemma4-tiny-a"));

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"(?m)^layers\s+6: \[s, s, F, s, s, F\]", result.Output);
        Assert.Matches(@"(?m)^writers\s+o_proj, down_proj, per_layer_projection per layer \(18 in all\)$", result.Output);
        Assert.Matches(@"(?m)^parameters\s+[\d,]+ \(no redundant k/v tensors", result.Output);
        Assert.Matches(@"(?m)^\s+3\s+sliding\s+16\s+192\s+layer 1$", result.Output);
        Assert.Matches(@"(?m)^\s+5\s+full\s+32\s+192\s+layer 2$", result.Output);
        Assert.Matches(@"(?m)^\s+0\s+sliding\s+16\s+96\s+own$", result.Output);
    }

    [Fact]
    public async Task Llama_has_two_writers_an_untied_head_and_no_template_surprises()
    {
        CliResult result = await CliRunner.RunAsync("model", "info", "--model", Fixtures.Folder("llama-tiny"), "--json");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.False(root.GetProperty("tied_lm_head").GetBoolean());
        Assert.Equal("Llama", root.GetProperty("family").GetString());
        Assert.All(root.GetProperty("layers").EnumerateArray(), l =>
        {
            Assert.Equal(["o_proj", "down_proj"], l.GetProperty("writers").EnumerateArray().Select(w => w.GetString()));
            Assert.Equal("full", l.GetProperty("type").GetString());
        });
        Assert.Equal("llama3", root.GetProperty("chat_template").GetString());
    }
}
