using System.Net;
using System.Net.Sockets;
using Geode.Campaigns.Execution;
using Geode.Grains.Campaigns;
using Geode.Grains.Storage;
using Geode.Grains.Telemetry;
using Geode.Grains.Workers;
using Geode.Silo.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Geode.Silo.Hosting;

/// <summary>
/// The one silo set-up shared by <c>geode silo</c>, the embedded cluster of <c>geode run</c> and the
/// tests: clustering and storage (localhost and memory, or Redis), the compute role, the model pool
/// and the messaging limits campaign traffic needs.
/// </summary>
public static class GeodeSiloExtensions
{
    /// <summary>The largest message: a capture shard of a large model carries [L+1, batch, H] floats.</summary>
    public const int MaxMessageBodySize = 1 << 30;

    /// <summary>How long a grain call may take: trials evaluate many variants in one call.</summary>
    public static TimeSpan ResponseTimeout { get; } = TimeSpan.FromHours(2);

    /// <summary>
    /// Adds a Geode silo to <paramref name="host"/>: the HTTP endpoints <paramref name="options"/>
    /// asks for (metrics, health, dashboard), then the silo itself (see <see cref="UseGeode"/>).
    /// </summary>
    /// <exception cref="Geode.Model.BadInputException">A port or the HTTP address is invalid.</exception>
    public static IHostBuilder UseGeodeSilo(this IHostBuilder host, GeodeSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(options);

        return host.UseGeodeHttp(options).UseOrleans(silo => silo.UseGeode(options));
    }

    /// <summary>Configures clustering, storage, reminders, role, services and telemetry from <paramref name="options"/>.</summary>
    public static ISiloBuilder UseGeode(this ISiloBuilder silo, GeodeSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(options);
        int siloPort = options.SiloPort == 0 ? FreePort() : options.SiloPort;
        int gatewayPort = options.GatewayPort == 0 ? FreePort() : options.GatewayPort;
        if (options.Redis is string redis)
        {
            ConfigurationOptions connection = RedisConnectionString.Parse(redis);
            silo.UseRedisClustering(o => o.ConfigurationOptions = connection.Clone());
            silo.AddRedisGrainStorage(CampaignGrain.StorageName, o => o.ConfigurationOptions = connection.Clone());
            silo.UseRedisReminderService(o => o.ConfigurationOptions = connection.Clone());

            // Membership needs nothing here: a silo that cannot reach the table keeps its last view
            // and retries (a warning each time), and no silo can be voted dead meanwhile. Grain
            // state writes wait out the outage instead (PatientStorage).
            silo.Services.AddSingleton<IStorageOutages, RedisStorageOutages>();
            IPAddress address = options.Address is null ? IPAddress.Loopback : IPAddress.Parse(options.Address);
            silo.ConfigureEndpoints(address, siloPort, gatewayPort, listenOnAnyHostAddress: options.Address is not null);
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ClusterId;
            });
        }
        else
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: options.ClusterId, clusterId: options.ClusterId);
            silo.AddMemoryGrainStorage(CampaignGrain.StorageName);
            silo.UseInMemoryReminderService();
        }

        silo.UseGeodeRole(options.Compute);
        return silo.AddGeodeServices(options.Device).AddGeodeTelemetry(options);
    }

    /// <summary>The services and limits every Geode silo needs, whatever its clustering (tests add their own clustering).</summary>
    public static ISiloBuilder AddGeodeServices(this ISiloBuilder silo, string? device = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
        silo.Configure<MessagingOptions>(o => o.MaxMessageBodySize = MaxMessageBodySize);

        // Geode's errors (bad input above all) must reach a coordinator on another silo, or a client, as themselves.
        silo.Services.AddGeodeExceptionSerialization();
        silo.Services.Configure<ModelPoolOptions>(o => o.Device = device);
        silo.Services.AddSingleton<ModelPool>();

        // TryAdd: a benchmark or test silo may have put a simulated device here first.
        silo.Services.TryAddSingleton<IShardRunner, ModelShardRunner>();
        silo.Services.TryAddSingleton<ITrialRunner, ModelTrialRunner>();
        silo.Services.AddMetrics();
        silo.Services.AddSingleton<GeodeMetrics>();

        // TryAdd: a Redis silo registered its own outages first; memory storage has none.
        silo.Services.TryAddSingleton<IStorageOutages, NoStorageOutages>();
        silo.Services.AddSingleton<PatientStorage>();

        // TryAdd: silos hosted together in one process may share one set of parsed campaigns.
        silo.Services.TryAddSingleton<CampaignWorkspaces>();

        // The coordinator dispatches over the live compute silos, whether or not this silo computes.
        SiloRoleExtensions.AddComputeSilos(silo.Services);
        silo.Services.AddSingleton<ICampaignReport, MarkdownSummary>();
        silo.Services.AddSingleton<ICampaignReport, Geode.Campaigns.Reporting.HtmlReport>();
        return silo;
    }

    /// <summary>A TCP port free on loopback right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
