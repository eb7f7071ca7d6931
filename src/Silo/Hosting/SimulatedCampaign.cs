using System.Globalization;
using System.Text;
using System.Text.Json;
using Geode.Grains.Campaigns;
using Geode.Model.Files;
using Geode.Model.Random;
using static TorchSharp.torch;

namespace Geode.Silo.Hosting;

/// <summary>
/// A capture-only campaign for silos with a simulated device (<see cref="SimulatedDeviceExtensions"/>):
/// a random <c>gemma4-tiny</c> checkpoint (its shape sets the activations' shape; its weights are
/// never run), a generated JSONL prompt set, and the campaign file — all in one folder. Used by
/// <c>geode bench scale</c> and the scale-out tests.
/// </summary>
public static class SimulatedCampaign
{
    /// <summary>The model preset the campaign names.</summary>
    public const string Preset = "gemma4-tiny";

    /// <summary>
    /// Writes the campaign into <paramref name="folder"/> and returns the request that starts it,
    /// with its output and activation store inside the folder too.
    /// </summary>
    /// <param name="folder">An empty folder (created if needed).</param>
    /// <param name="id">The campaign id.</param>
    /// <param name="prompts">Prompts in the set (≥ 1), alternating should_refuse and safe_control.</param>
    /// <param name="batch">The campaign's <c>generation.batch</c>: the largest shard.</param>
    /// <remarks>Initialises nothing: TorchSharp must be loaded (it writes the checkpoint).</remarks>
    public static CampaignRequest Write(string folder, string id, int prompts, int batch)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(prompts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        string model = Path.Combine(folder, "model");
        RandomCheckpoint.Write(Preset, seed: 0, ScalarType.Float32, model);

        var lines = new StringBuilder();
        for (int i = 0; i < prompts; i++)
        {
            bool refuse = i % 2 == 0;
            lines.AppendLine(JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["id"] = string.Create(CultureInfo.InvariantCulture, $"p{i:D6}"),
                ["category"] = refuse ? "should_refuse" : "safe_control",
                ["expected"] = refuse ? "refuse" : "comply",
                ["prompt"] = string.Create(CultureInfo.InvariantCulture, $"prompt number {i}"),
            }));
        }

        string promptFile = Path.Combine(folder, "prompts.jsonl");
        AtomicFile.WriteAllText(promptFile, lines.ToString());
        string yaml = string.Create(CultureInfo.InvariantCulture, $"""
            name: {id}
            model:
              path: {model}
            prompts:
              file: {promptFile}
            generation:
              batch: {batch}
            stages:
              capture: {"{position: last, input: template}"}
            """);
        string file = Path.Combine(folder, "campaign.yaml");
        AtomicFile.WriteAllText(file, yaml);
        return new CampaignRequest(id, file, yaml, Path.Combine(folder, "out"), Path.Combine(folder, "store"));
    }
}
