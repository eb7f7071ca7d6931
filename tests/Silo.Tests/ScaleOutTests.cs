using System.Text.Json.Nodes;
using Geode.Campaigns.Execution;
using Geode.Grains.Campaigns;
using Geode.Grains.Workers;
using Geode.Model.Native;
using Geode.Silo.Hosting;
using Geode.Silo.Placement;
using Geode.Tests;
using Orleans.TestingHost;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Geode.Silo.Tests;

/// <summary>
/// A capture on an in-process cluster whose two compute silos run a simulated device, one eight
/// times slower than the other, with a plain third silo: work is pulled, so the fast silo merges
/// more shards, and every shard is merged exactly once whatever backups ran.
/// </summary>
public sealed class ScaleOutTests(ITestOutputHelper output)
{
    private const int Prompts = 600;
    private const double SecondsPerPrompt = 0.002;

    [Fact]
    public async Task Capture_WithAFastAndAnEightTimesSlowerSilo_MergesEveryShardOnceAndTheFastSiloPullsMore()
    {
        // Arrange
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        var roles = new List<string>();
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((options, silo) =>
        {
            int index;
            lock (roles)
            {
                roles.Add(options.SiloName);
                index = roles.Count - 1;
            }

            // Silo 0 (the primary, serving the client) does not compute; 1 is fast, 2 is slow.
            silo.AddMemoryGrainStorage(CampaignGrain.StorageName);
            silo.UseInMemoryReminderService();
            silo.UseGeodeRole(compute: index > 0);
            silo.AddGeodeServices();
            silo.UseSimulatedDevice(new SimulatedDevice(SecondsPerPrompt, index == 2 ? 8 : 1));
        });
        InProcessTestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        using var folder = new TempFolder();
        try
        {
            CampaignRequest request = SimulatedCampaign.Write(folder.Path, "scale-test", Prompts, batch: 32);
            ICampaignGrain grain = cluster.Client.GetGrain<ICampaignGrain>(request.Id);

            // Act
            CampaignStatus status = await grain.Start(request);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            while (!status.IsFinished)
            {
                await Task.Delay(100, timeout.Token);
                status = await grain.Status();
            }

            output.WriteLine($"merged per silo: {string.Join(", ", status.Silos.Select(s => $"{s.Key}={s.Value}"))}; launched {status.Launched}, backups {status.Backups}, duplicates {status.Duplicates}, retries {status.Retries}; coordinator {status.CoordinatorSeconds * 1000 / Math.Max(1, status.Merged):F2} ms/unit");

            // Assert
            Assert.True(status.Phase == CampaignPhase.Succeeded, status.Error);
            int shards = (Prompts + 31) / 32; // one batch a shard
            Assert.Equal(shards, status.Merged);
            Assert.Equal(shards, status.Silos.Values.Sum());
            Assert.InRange(status.Launched, shards, shards + status.Backups + status.Retries);
            Assert.DoesNotContain(roles[0], status.Silos.Keys);
            Assert.True(status.Silos.GetValueOrDefault(roles[1]) > status.Silos.GetValueOrDefault(roles[2]), $"fast {status.Silos.GetValueOrDefault(roles[1])}, slow {status.Silos.GetValueOrDefault(roles[2])}");
            Assert.Contains("capture/shards", status.RoundSeconds.Keys);

            JsonNode capture = CampaignResults.Read(CampaignResults.StageFile(request.OutDir, "capture"));
            Assert.All(capture["layer_aggregates"]!["prompts_counted"]!.AsArray(), n => Assert.Equal(Prompts, (int)n!));
            using var scope = NewDisposeScope();
            Tensor stored = new ActivationStore(request.StoreDir).Load((string)capture["key"]!);
            Tensor expected = Simulated((int)stored.shape[0], Prompts, (int)stored.shape[2]);
            Assert.Equal(expected.shape, stored.shape);
            Assert.Equal(0.0, (stored - expected).abs().max().item<float>());
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>What <see cref="SimulatedShardRunner"/> returns for every prompt, in order.</summary>
    private static Tensor Simulated(int streams, int prompts, int hidden) =>
        sin((arange(prompts, dtype: ScalarType.Float32).reshape(1, prompts, 1) * 0.37f)
            + (arange(hidden, dtype: ScalarType.Float32).reshape(1, 1, hidden) * 0.11f)
            + (arange(streams, dtype: ScalarType.Float32).reshape(streams, 1, 1) * 0.53f));
}
