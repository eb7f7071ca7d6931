using System.Text.Json.Nodes;
using Geode.Campaigns.Execution;
using Geode.Grains.Campaigns;
using Geode.Tests;

namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// A stored capture that a crash or a full disk cut short (issue 9): the next campaign on the same
/// inputs does not reuse it, captures again, and leaves a file the store trusts.
/// </summary>
[Collection(CampaignCollection.Name)]
public sealed class UntrustedStoreCampaignTests(FailedPromptCampaignTests.FaultyCluster cluster) : IClassFixture<FailedPromptCampaignTests.FaultyCluster>
{
    [Fact]
    public async Task A_truncated_stored_capture_is_captured_again_instead_of_reused()
    {
        using var folder = new TempFolder();
        (string file, _) = await FailedPromptCampaignTests.Write(folder, "capture: {position: last, input: template}", string.Empty);
        string store = folder.File("store");

        JsonNode first = await Capture("store-first", file, folder.File("first"), store);
        JsonNode second = await Capture("store-second", file, folder.File("second"), store);
        string merged = Path.Combine(store, (string)first["key"]!, "activations.safetensors");
        long whole = new FileInfo(merged).Length;
        using (var stream = new FileStream(merged, FileMode.Open))
        {
            stream.SetLength(whole - 64);
        }

        JsonNode third = await Capture("store-third", file, folder.File("third"), store);

        Assert.Equal((false, true, false), ((bool)first["reused"]!, (bool)second["reused"]!, (bool)third["reused"]!));
        Assert.Equal(whole, new FileInfo(merged).Length);
        Assert.True(new ActivationStore(store).Has((string)first["key"]!));
    }

    private async Task<JsonNode> Capture(string id, string file, string outDir, string store)
    {
        CampaignStatus status = await cluster.Run(id, file, outDir, store);
        Assert.True(status.Phase == CampaignPhase.Succeeded, status.Error);
        return JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "results.json")))!["capture"]!;
    }
}
