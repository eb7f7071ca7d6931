using System.Text.Json.Nodes;
using Geode.Grains.Campaigns;
using Geode.Model.Native;
using Geode.Silo.Hosting;
using Geode.Silo.Placement;
using Geode.Tests;
using Orleans.TestingHost;

namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// The same campaign on an in-process cluster of three silos, one without compute metadata: the
/// shards and trials run only on the two compute silos, and results.json equals the embedded run's.
/// </summary>
[Collection(CampaignCollection.Name)]
public sealed class MultiSiloCampaignTests(SmallCampaign campaign)
{
    [Fact]
    public async Task Three_silos_give_the_embedded_results_and_no_work_lands_on_the_plain_silo()
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        string? plain = null;
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((options, silo) =>
        {
            // The first silo configured (the primary, which also serves the client) does not compute.
            Interlocked.CompareExchange(ref plain, options.SiloName, null);
            silo.AddMemoryGrainStorage(CampaignGrain.StorageName);
            silo.UseInMemoryReminderService();
            silo.UseGeodeRole(compute: options.SiloName != plain);
            silo.AddGeodeServices();
        });
        InProcessTestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        using var folder = new TempFolder();
        try
        {
            string outDir = folder.File("cluster");
            ICampaignGrain grain = cluster.Client.GetGrain<ICampaignGrain>("small-cluster");
            await grain.Start(new CampaignRequest("small-cluster", campaign.File, await File.ReadAllTextAsync(campaign.File), outDir, folder.File("store")));
            CampaignStatus status = await grain.Status();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            while (!status.IsFinished)
            {
                await Task.Delay(200, timeout.Token);
                status = await grain.Status();
            }

            Assert.True(status.Phase == CampaignPhase.Succeeded, status.Error);
            Assert.True(campaign.Embedded.ExitCode == 0, campaign.Embedded.Error);
            Assert.Equal(SmallCampaign.Comparable(campaign.EmbeddedOut).ToJsonString(), SmallCampaign.Comparable(outDir).ToJsonString());

            // 6 baseline shards + 6 capture shards + 1 geometry + 2 sweeps + 3 smoke + confirmations + 1 descent + 1 selective.
            Assert.DoesNotContain(plain!, status.Silos.Keys);
            Assert.Equal(2, status.Silos.Count);
            int confirmations = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "results.json")))!["cascade"]!["rows"]!.AsArray().Count(r => (bool)r!["gate_passed"]!);
            Assert.Equal(6 + 6 + 1 + 2 + 3 + confirmations + 1 + 1, status.Silos.Values.Sum());
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
