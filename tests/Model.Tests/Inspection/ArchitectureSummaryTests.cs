using System.Diagnostics;
using Geode.Model.Checkpoints;
using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Inspection;
using Geode.Model.Native;
using Geode.Tests;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Inspection;

/// <summary>The architecture summary, read from config and headers alone.</summary>
public sealed class ArchitectureSummaryTests
{
    [Fact]
    public void Gemma4_tiny_a_layers_follow_its_config()
    {
        ArchitectureSummary summary = ArchitectureSummary.Read(RepositoryPaths.HfFixture("gemma4-tiny-a"));

        Assert.Equal([AttentionKind.Sliding, AttentionKind.Sliding, AttentionKind.Full, AttentionKind.Sliding, AttentionKind.Sliding, AttentionKind.Full], summary.Layers.Select(l => l.Kind));
        Assert.Equal([0, 1, 2, 1, 1, 2], summary.Layers.Select(l => l.KvSourceLayer));
        Assert.Equal([WriterKind.AttentionOutput, WriterKind.MlpOutput, WriterKind.PerLayerOutput], summary.Layers[4].Writers);
        Assert.Equal(0, summary.RedundantKvTensors);
        Assert.Equal(0, summary.OtherTensors);
        Assert.Equal("gemma4", summary.ChatTemplate);
    }

    [Fact]
    public async Task The_chat_template_comes_from_model_type_and_the_folders_own_templates_are_never_read()
    {
        // A checkpoint's Jinja template is code from whoever made the checkpoint; Geode renders its
        // own C# templates instead. The template files here are FIFOs, which block whoever opens
        // them, so a reader that touched one would hang rather than pass.
        using var temp = new TempFolder();
        string fixture = RepositoryPaths.HfFixture("gemma4-tiny-a");
        foreach (string file in new[] { "config.json", "model.safetensors" })
        {
            File.Copy(Path.Combine(fixture, file), Path.Combine(temp.Path, file));
        }

        foreach (string template in new[] { "chat_template.jinja", "chat_template.json", "tokenizer_config.json" })
        {
            using Process mkfifo = Process.Start("mkfifo", [Path.Combine(temp.Path, template)]);
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        Task<ArchitectureSummary> read = Task.Run(() => ArchitectureSummary.Read(temp.Path));

        Assert.True(await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10))) == read, "Reading the folder blocked: it opened a template file.");
        Assert.Equal("gemma4", (await read).ChatTemplate);
    }

    [Fact]
    public void Redundant_kv_tensors_of_shared_layers_and_non_decoder_tensors_are_found_and_not_counted()
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        string fixture = RepositoryPaths.HfFixture("gemma4-tiny-a");
        long original = ArchitectureSummary.Read(fixture).ParameterCount;
        using var temp = new TempFolder();
        File.Copy(Path.Combine(fixture, "config.json"), temp.File("config.json"));
        using (SafetensorsFile file = SafetensorsFile.Open(Path.Combine(fixture, CheckpointFolder.SingleFileName)))
        using (NewDisposeScope())
        {
            // Layers 3 (sliding, head dim 16) and 5 (full, 32) reuse earlier layers' keys and values;
            // real Gemma 4 checkpoints still store k_proj/v_proj/k_norm for them.
            var extra = new List<(string, Tensor)>
            {
                ("model.layers.3.self_attn.k_proj.weight", zeros(32, 64)),
                ("model.layers.3.self_attn.v_proj.weight", zeros(32, 64)),
                ("model.layers.5.self_attn.k_norm.weight", ones(32)),
                ("model.vision_tower.patch.weight", zeros(7, 3)),
            };
            SafetensorsWriter.Write(temp.File(CheckpointFolder.SingleFileName), file.Tensors.Select(t => (t.Name, file.Read(t.Name))).Concat(extra));
        }

        ArchitectureSummary summary = ArchitectureSummary.Read(temp.Path);

        Assert.Equal(3, summary.RedundantKvTensors);
        Assert.Equal((2 * 32 * 64) + 32, summary.RedundantKvParameters);
        Assert.Equal(1, summary.OtherTensors);
        Assert.Equal(original, summary.ParameterCount);
    }

    [Fact]
    public void Llama_has_two_writers_per_layer_and_counts_its_separate_head()
    {
        string fixture = RepositoryPaths.HfFixture("llama-tiny");
        ArchitectureSummary summary = ArchitectureSummary.Read(fixture);
        using SafetensorsFile file = SafetensorsFile.Open(Path.Combine(fixture, CheckpointFolder.SingleFileName));

        Assert.All(summary.Layers, l => Assert.Equal([WriterKind.AttentionOutput, WriterKind.MlpOutput], l.Writers));
        Assert.Contains(file.Tensors, t => t.Name == "lm_head.weight");
        Assert.Equal(file.Tensors.Sum(t => t.ElementCount), summary.ParameterCount);
        Assert.Equal(["F32"], summary.DTypes);
    }
}
