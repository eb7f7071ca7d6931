using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Geode.Campaigns.Execution;
using Geode.Grains.Campaigns;
using Geode.Grains.Telemetry;
using Geode.Grains.Workers;
using Geode.Model.Native;
using Geode.Silo.Hosting;
using Geode.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Geode.Silo.Tests;

/// <summary>
/// Load: a 20,000-prompt capture on the embedded cluster (one silo set up exactly as <c>geode run</c>
/// sets it up, its model worker replaced by a simulated device) finishes with every prompt counted
/// once, while the managed heap stays flat between a quarter and nine tenths of the way and the
/// units out at once stay bounded by the dispatcher's two per silo.
/// </summary>
[Collection(SimulatedLoadTests.Alone)]
public sealed class SimulatedLoadTests(ITestOutputHelper output)
{
    /// <summary>A collection that runs after the parallel tests, by itself: the heap is the whole process's.</summary>
    public const string Alone = "alone: heap measurements";

    private const int Prompts = 20_000;
    private const int Batch = 32;

    /// <summary>
    /// How much the heap may grow from 25% to 90% of the shards: 8 MiB. Anything kept per prompt or
    /// per shard grows with the 13,000 prompts (406 shards) in between — 640 bytes a prompt would
    /// pass it — while the steady state (grain activations, the ledger's few fields per shard)
    /// measured under 2 MiB of growth.
    /// </summary>
    private const long HeapGrowthBound = 8L << 20;

    [Fact]
    public async Task Twenty_thousand_prompts_on_the_embedded_cluster_finish_with_a_flat_heap_and_a_bounded_queue()
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        using var folder = new TempFolder();
        IHost host = new HostBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .UseOrleans(silo => silo.UseGeode(new GeodeSiloOptions()).UseSimulatedDevice(new SimulatedDevice(0.0005, 1)))
            .Build();
        using var inFlight = new InFlightUnits(host.Services.GetRequiredService<IMeterFactory>());
        await host.StartAsync();
        try
        {
            CampaignRequest request = SimulatedCampaign.Write(folder.Path, "load-test", Prompts, Batch);
            ICampaignGrain grain = host.Services.GetRequiredService<IGrainFactory>().GetGrain<ICampaignGrain>(request.Id);
            CampaignStatus status = await grain.Start(request);
            long? quarter = null, ninety = null;
            long peakWorkingSet = 0;
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            while (!status.IsFinished)
            {
                await Task.Delay(50, timeout.Token);
                status = await grain.Status();
                peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
                double done = status.Total == 0 ? 0 : (double)status.Done / status.Total;
                if (quarter is null && done >= 0.25)
                {
                    quarter = Heap();
                }
                else if (ninety is null && done >= 0.90 && done < 1)
                {
                    ninety = Heap();
                }
            }

            output.WriteLine($"{Prompts} prompts, {status.Merged} shards in {status.Seconds:F1} s; heap after GC at 25%: {Mib(quarter)} MiB, at 90%: {Mib(ninety)} MiB; peak working set {Mib(peakWorkingSet)} MiB (process peak {Mib(System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64)} MiB); most units in flight {inFlight.Peak}; backups {status.Backups}, retries {status.Retries}");

            Assert.True(status.Phase == CampaignPhase.Succeeded, status.Error);
            Assert.Equal((Prompts + Batch - 1) / Batch, status.Merged);
            JsonNode capture = CampaignResults.Read(CampaignResults.StageFile(request.OutDir, "capture"));
            Assert.All(capture["layer_aggregates"]!["prompts_counted"]!.AsArray(), n => Assert.Equal(Prompts, (int)n!));
            Assert.True(quarter is not null && ninety is not null, "the poll never saw the round between 25% and 90%");
            Assert.True(ninety - quarter < HeapGrowthBound, $"the heap grew {Mib(ninety - quarter)} MiB between 25% and 90% of the shards");

            // Two units per compute silo, and one backup of the last unit at the round's tail.
            Assert.InRange(inFlight.Peak, 1, 3);
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    /// <summary>The managed heap after a full, compacting collection: what is still referenced.</summary>
    private static long Heap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static string Mib(long? bytes) => bytes is long b ? (b / (1024.0 * 1024)).ToString("F1", System.Globalization.CultureInfo.InvariantCulture) : "-";

    /// <summary>The most units this silo's coordinators had out at once, from its <c>geode.units.in_flight</c> counter.</summary>
    private sealed class InFlightUnits : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _now;
        private long _peak;

        /// <param name="meters">The silo's meter factory: only its meters count, not another test's silo's.</param>
        public InFlightUnits(IMeterFactory meters)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Meter.Name == GeodeMetrics.MeterName && instrument.Name == "geode.units.in_flight")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, delta, _, _) =>
            {
                long now = Interlocked.Add(ref _now, delta);
                long peak;
                while (now > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
                {
                }
            });
            _listener.Start();
        }

        public long Peak => Interlocked.Read(ref _peak);

        public void Dispose() => _listener.Dispose();
    }
}

/// <summary>Runs <see cref="SimulatedLoadTests"/> with no other test in the process.</summary>
[CollectionDefinition(SimulatedLoadTests.Alone, DisableParallelization = true)]
public sealed class AloneCollection;
