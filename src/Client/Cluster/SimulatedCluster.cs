using System.Net;
using Geode.Grains.Campaigns;
using Geode.Grains.Placement;
using Geode.Grains.Workers;
using Geode.Silo.Hosting;
using Geode.Silo.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Geode.Client.Cluster;

/// <summary>
/// Several compute silos in this process (localhost clustering on free ports, memory storage,
/// in-memory reminders), each running its shards on its own <see cref="SimulatedDevice"/>: the
/// cluster <c>geode bench scale</c> measures. Disposing stops every silo.
/// </summary>
internal sealed class SimulatedCluster : IAsyncDisposable
{
    private readonly List<IHost> _hosts;

    private SimulatedCluster(List<IHost> hosts, IReadOnlyList<string> names)
    {
        _hosts = hosts;
        Names = names;
    }

    /// <summary>The silos' names, in the order of their devices.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Reaches grains through the first silo.</summary>
    public IGrainFactory Grains => _hosts[0].Services.GetRequiredService<IGrainFactory>();

    /// <summary>
    /// Starts one silo per device and returns once every silo sees all of them as live compute
    /// silos, so a campaign started then plans and dispatches over the whole cluster.
    /// </summary>
    public static async Task<SimulatedCluster> StartAsync(IReadOnlyList<SimulatedDevice> devices, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(devices);
        string cluster = $"geode-bench-{Guid.NewGuid():N}"[..24];
        int primaryPort = GeodeSiloExtensions.FreePort();
        var primary = new IPEndPoint(IPAddress.Loopback, primaryPort);
        string[] names = [.. devices.Select((_, i) => $"sim-{i:D2}")];
        var hosts = new List<IHost>();

        // One parse of the campaign for all silos: on a real cluster every silo parses it on its own
        // cores at the same time; here sixteen parses of a 10,000-prompt set would queue for two
        // cores and delay the first shards by a second, a cost of hosting them together.
        var workspaces = new CampaignWorkspaces();
        var simulated = new SimulatedCluster(hosts, names);
        try
        {
            for (int i = 0; i < devices.Count; i++)
            {
                hosts.Add(Build(names[i], i == 0 ? primaryPort : GeodeSiloExtensions.FreePort(), primary, cluster, devices[i], workspaces));
            }

            // The primary holds the development membership table: it starts first, the rest together.
            await hosts[0].StartAsync(cancellationToken);
            await Task.WhenAll(hosts.Skip(1).Select(h => h.StartAsync(cancellationToken)));
            long deadline = Environment.TickCount64 + (long)TimeSpan.FromMinutes(2).TotalMilliseconds;
            int[] seen = Seen(hosts);
            while (seen.Any(n => n != devices.Count))
            {
                if (Environment.TickCount64 > deadline)
                {
                    throw new InvalidOperationException($"bench scale: after 2 minutes the {devices.Count} silos see {string.Join(", ", seen)} compute silos each.");
                }

                await Task.Delay(100, cancellationToken);
                seen = Seen(hosts);
            }

            return simulated;
        }
        catch
        {
            await simulated.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Task.WhenAll(_hosts.Select(async h =>
        {
            try
            {
                await h.StopAsync(timeout.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
            {
                // A silo that never reached Running refuses to stop; the process is ending anyway.
            }
            finally
            {
                h.Dispose();
            }
        }));
    }

    private static int[] Seen(List<IHost> hosts) => [.. hosts.Select(h => h.Services.GetRequiredService<IComputeSilos>().Live().Count)];

    private static IHost Build(string name, int siloPort, IPEndPoint primary, string cluster, SimulatedDevice device, CampaignWorkspaces workspaces)
    {
        // Geode's errors only: sixteen silos leaving together log Orleans errors about each other
        // (reminder and directory ranges with no owner left) that say nothing about the benchmark.
        HostBuilder builder = GeodeHost.Builder(LogLevel.Error);
        builder.ConfigureLogging(logging => logging.AddFilter("Orleans", LogLevel.Critical).AddFilter("Polly", LogLevel.None));
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, GeodeSiloExtensions.FreePort(), primary, serviceId: cluster, clusterId: cluster);
            silo.Configure<SiloOptions>(o => o.SiloName = name);
            silo.AddMemoryGrainStorage(CampaignGrain.StorageName);
            silo.UseInMemoryReminderService();
            silo.UseGeodeRole(compute: true);
            silo.Services.AddSingleton(workspaces);
            silo.AddGeodeServices();
            silo.UseSimulatedDevice(device);
        });
        return builder.Build();
    }
}
