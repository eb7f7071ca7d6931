using System.Text.Json.Nodes;
using Geode.Tests;

namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// Geode needs no network at run time: the quickstart's commands — generation, the baseline with
/// and without the planted edit, and a campaign through every stage — run in a network namespace
/// with loopback only, and give what they give online.
/// </summary>
[Collection(CampaignCollection.Name)]
public sealed class OfflineQuickstartTests(SmallCampaign campaign)
{
    private static readonly string Organism = Path.Combine(RepositoryPaths.Root, "models", "organism");

    [Fact]
    public async Task The_quickstart_runs_with_networking_off()
    {
        CliResult generate = await Offline.RunAsync("generate", "--model", Organism, "--prompt", "My friend was stung by a wasp on a trail. What should we do?", "--max-new-tokens", "24");
        Assert.True(generate.ExitCode == 0, Describe("generate", generate));
        CliResult online = await CliRunner.RunProcessAsync("generate", "--model", Organism, "--prompt", "My friend was stung by a wasp on a trail. What should we do?", "--max-new-tokens", "24");
        Assert.Equal(online.Output, generate.Output);

        CliResult baseline = await Offline.RunAsync("baseline", "--model", Organism, "--json");
        Assert.True(baseline.ExitCode == 0, Describe("baseline", baseline));
        CliResult edited = await Offline.RunAsync("baseline", "--model", Organism, "--edit", Path.Combine(Organism, "planted_refusal.safetensors"), "--json");
        Assert.True(edited.ExitCode == 0, Describe("baseline --edit", edited));
        Assert.True(Refusal(edited) < Refusal(baseline), $"the planted edit did not lower refusal offline: {Refusal(edited)} vs {Refusal(baseline)}");

        using var folder = new TempFolder();
        CliResult run = await Offline.RunAsync("run", campaign.File, "--out", folder.File("out"), "--store", folder.File("store"), "--no-progress", "--json");
        Assert.True(run.ExitCode == 0, Describe("run", run));
        Assert.Equal(SmallCampaign.Comparable(campaign.EmbeddedOut).ToJsonString(), SmallCampaign.Comparable(folder.File("out")).ToJsonString());
    }

    /// <summary>Refused prompts over every category of a <c>baseline --json</c>.</summary>
    private static int Refusal(CliResult baseline) => JsonNode.Parse(baseline.Output)!["categories"]!.AsArray().Sum(c => (int)c!["refused"]!);

    private static string Describe(string command, CliResult result) =>
        result.ExitCode == Offline.NetworkReachable
            ? $"{command}: the test's sandbox was not offline:\n{result.Error}"
            : $"{command} offline exited {result.ExitCode}:\n{result.Error}";
}
