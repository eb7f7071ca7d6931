using Geode.Analysis.Prompts;
using Geode.Grains.Campaigns;
using Geode.Grains.Placement;
using Geode.Grains.Workers;
using Geode.Model;
using Geode.Model.Native;
using Geode.Silo.Hosting;
using Geode.Silo.Placement;
using Geode.Tests;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// An error reaches a grain's caller on another silo, or a client, as what it is: bad input thrown
/// by a shard on a compute silo fails the campaign at once, with its own message, when the
/// coordinator runs on a silo that does not compute — as it does when both share one silo
/// (<see cref="FailedPromptCampaignTests.Bad_input_from_a_worker_still_fails_the_campaign_at_once"/>);
/// bad input a silo finds in a campaign reaches the client as bad input (the CLI's exit code 2).
/// </summary>
[Collection(CampaignCollection.Name)]
public sealed class CrossSiloFailureTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Bad_input_from_a_worker_on_another_silo_fails_the_campaign_at_once_with_its_message()
    {
        // Arrange: the coordinator is activated while its silo, which does not compute, is the
        // only one, so every shard runs on the compute silo that joins afterwards.
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        string? coordinatorSilo = null;
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((options, silo) =>
        {
            bool first = Interlocked.CompareExchange(ref coordinatorSilo, options.SiloName, null) is null;
            silo.AddMemoryGrainStorage(CampaignGrain.StorageName);
            silo.UseInMemoryReminderService();
            silo.UseGeodeRole(compute: !first);
            silo.Services.AddSingleton<ModelShardRunner>();
            silo.Services.AddSingleton<IShardRunner>(services => new FaultInjectingShardRunner(services.GetRequiredService<ModelShardRunner>()));
            silo.AddGeodeServices();
        });
        InProcessTestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        using var folder = new TempFolder();
        try
        {
            (string file, PromptRecord[] prompts) = await FailedPromptCampaignTests.Write(folder, "baseline: {}", FaultInjectingShardRunner.BadInput, 5);
            const string id = "cross-silo-bad-input";
            ICampaignGrain grain = cluster.Client.GetGrain<ICampaignGrain>(id);
            Assert.Equal(CampaignPhase.Unknown, (await grain.Status()).Phase);
            SiloAddress coordinator = cluster.Silos[0].SiloAddress;
            InProcessSiloHandle compute = await cluster.StartAdditionalSiloAsync();
            await UntilComputeSiloKnown(cluster.GetSiloServiceProvider(coordinator).GetRequiredService<IComputeSilos>(), compute.SiloAddress);

            // Act
            CampaignStatus status = await grain.Start(new CampaignRequest(id, file, await File.ReadAllTextAsync(file), folder.File("out"), folder.File("store")));
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            while (!status.IsFinished)
            {
                await Task.Delay(100, timeout.Token);
                status = await grain.Status();
            }

            output.WriteLine($"{status.Phase} after {status.Launched} launched, {status.Retries} failed attempts: {status.Error}");

            // Assert: the arrangement held (coordinator and worker on different silos) ...
            Assert.Equal(coordinator, await cluster.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(grain));
            Assert.NotEqual(coordinator, compute.SiloAddress);

            // ... and the one failed attempt was bad input, not a failure to retry.
            Assert.Equal(CampaignPhase.Failed, status.Phase);
            Assert.Equal($"{file}: prompt {prompts[5].Id} is not one this model can read (injected).", status.Error);
            Assert.Equal(1, status.Retries);
            Assert.Empty(status.FailedPrompts);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Bad_input_a_silo_finds_in_a_campaign_reaches_the_client_as_bad_input()
    {
        // Arrange: the client checked the file where it runs; the model folder is missing where the silo runs.
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((options, silo) =>
        {
            silo.AddMemoryGrainStorage(CampaignGrain.StorageName);
            silo.UseInMemoryReminderService();
            silo.UseGeodeRole(compute: true);
            silo.AddGeodeServices();
        });
        InProcessTestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        using var folder = new TempFolder();
        try
        {
            (string file, _) = await FailedPromptCampaignTests.Write(folder, "baseline: {}", FaultInjectingShardRunner.BadInput, 5);
            string missing = folder.File("not-on-this-silo");
            string yaml = (await File.ReadAllTextAsync(file)).Replace(Path.Combine(RepositoryPaths.Root, "models", "organism"), missing, StringComparison.Ordinal);
            ICampaignGrain grain = cluster.Client.GetGrain<ICampaignGrain>("missing-model");

            // Act
            BadInputException error = await Assert.ThrowsAsync<BadInputException>(() => grain.Start(new CampaignRequest("missing-model", file, yaml, folder.File("out"), folder.File("store"))));

            // Assert
            Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>Waits (a minute at most) until <paramref name="silos"/> lists <paramref name="compute"/> as a live compute silo.</summary>
    private static async Task UntilComputeSiloKnown(IComputeSilos silos, SiloAddress compute)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!silos.IsLiveCompute(compute))
        {
            await Task.Delay(100, timeout.Token);
        }
    }
}
