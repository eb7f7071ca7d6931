using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Geode.Campaigns.Execution;

/// <summary>
/// What every result carries (DESIGN §1): model hash, prompt-set hash, judges with versions, seeds,
/// code version and hardware. Only what identifies the inputs and the code goes in; the silos a
/// run happened to use do not, so an embedded run and a cluster run give the same document.
/// </summary>
public static class CampaignProvenance
{
    /// <summary>The seed of bootstrap intervals, random directions and random controls.</summary>
    public const int Seed = 0;

    /// <summary>Builds the provenance block.</summary>
    /// <param name="workspace">The campaign.</param>
    /// <param name="modelHash">SHA-256 of the model's config and weights.</param>
    public static JsonObject Build(CampaignWorkspace workspace, string modelHash)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        Campaign campaign = workspace.Campaign;
        string version = typeof(CampaignProvenance).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        return new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["folder"] = campaign.Model.Folder,
                ["sha256"] = modelHash,
                ["dtype"] = campaign.Model.DType,
                ["device"] = campaign.Model.Device,
                // Per decoder layer, "full" or "sliding": the report marks global-attention layers with it.
                ["attention"] = new JsonArray([.. Geode.Model.Config.ConfigReader.Read(campaign.Model.Folder).Layers
                    .Select(l => (JsonNode?)JsonValue.Create(l.Kind == Geode.Model.Config.AttentionKind.Full ? "full" : "sliding"))]),
            },
            ["prompts"] = new JsonObject
            {
                ["source"] = workspace.Prompts.Source,
                ["sha256"] = workspace.Prompts.ContentHash,
                ["count"] = workspace.Prompts.Records.Count,
            },
            ["judges"] = new JsonArray([.. workspace.Judges.Select(j => (JsonNode?)new JsonObject { ["name"] = j.Name, ["version"] = j.Version })]),
            ["seed"] = Seed,
            ["generation"] = new JsonObject { ["max_new_tokens"] = campaign.Generation.MaxNewTokens, ["batch"] = campaign.Generation.AutoBatch ? "auto" : campaign.Generation.Batch, ["early_stop"] = campaign.Generation.EarlyStop, ["judge_horizon"] = campaign.JudgeHorizon, ["decoding"] = "greedy" },
            ["code_version"] = version,
            ["runtime"] = new JsonObject
            {
                [".net"] = RuntimeInformation.FrameworkDescription,
                ["os"] = RuntimeInformation.OSDescription,
                ["architecture"] = RuntimeInformation.ProcessArchitecture.ToString(),
                ["torchsharp"] = Geode.Model.Native.TorchRuntime.TorchSharpVersion,
            },
        };
    }
}
