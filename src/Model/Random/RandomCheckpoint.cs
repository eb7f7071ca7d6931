using Geode.Model.Checkpoints;
using Geode.Model.Config;
using Geode.Model.Files;
using static TorchSharp.torch;

namespace Geode.Model.Random;

/// <summary>
/// Writes a random model of a named shape as a Hugging Face checkpoint folder (config.json +
/// model.safetensors), for load, memory and throughput measurements on real files.
/// </summary>
public static class RandomCheckpoint
{
    /// <summary>Writes preset <paramref name="preset"/> into <paramref name="folder"/> (created if needed).</summary>
    public static void Write(string preset, long seed, ScalarType dtype, string folder)
    {
        ModelConfig config = RandomConfigs.Get(preset);
        Directory.CreateDirectory(folder);
        using CausalLM model = RandomModel.Create(config, seed, dtype, CPU);
        SafetensorsWriter.Write(
            Path.Combine(folder, CheckpointFolder.SingleFileName),
            model.Weights.Names.Select(name => (model.Weights.CheckpointName(name), model.Weights[name])),
            new Dictionary<string, string> { ["format"] = "pt" });
        AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), RandomConfigs.Json(preset));
    }
}
