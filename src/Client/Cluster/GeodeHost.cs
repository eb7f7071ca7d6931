using Geode.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Geode.Client.Cluster;

/// <summary>
/// The cluster a command talks to: an in-process silo (embedded mode, the default of
/// <c>geode run</c>) or a client connected to silos through Redis (<c>--cluster</c>). Either way
/// the command gets an <see cref="IClusterClient"/>; disposing stops the host.
/// </summary>
internal sealed class GeodeHost : IAsyncDisposable
{
    private readonly IHost _host;

    private GeodeHost(IHost host)
    {
        _host = host;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>The client to reach grains with.</summary>
    public IClusterClient Client { get; }

    /// <summary>
    /// Starts a single compute silo in this process on free loopback ports, with memory storage,
    /// and the HTTP endpoints <paramref name="options"/> asks for.
    /// </summary>
    public static Task<GeodeHost> StartEmbedded(GeodeSiloOptions options, CancellationToken cancellationToken) =>
        Start(Builder(LogLevel.Warning).UseGeodeSilo(options), options, cancellationToken);

    /// <summary>Where a silo's HTTP endpoints answer, for the line a command prints when it is up (empty when none).</summary>
    internal static string Endpoints(GeodeSiloOptions options)
    {
        string host = options.HttpAddress.Contains(':', StringComparison.Ordinal) ? $"[{options.HttpAddress}]" : options.HttpAddress;
        var parts = new List<string>();
        if (options.MetricsPort is int metrics)
        {
            parts.Add($"metrics http://{host}:{metrics}{GeodeHttpEndpoints.MetricsPath}");
        }

        if (options.DashboardPort is int dashboard)
        {
            parts.Add($"dashboard http://{host}:{dashboard}/");
        }

        return parts.Count == 0 ? string.Empty : $"; {string.Join(", ", parts)}";
    }

    /// <summary>Connects a client to the cluster registered in Redis at <paramref name="redis"/> (a connection string, see <see cref="RedisConnectionString"/>).</summary>
    /// <exception cref="Geode.Model.BadInputException">The connection string is wrong, or Redis refuses its password or TLS (naming <c>--cluster</c>).</exception>
    public static async Task<GeodeHost> Connect(string redis, CancellationToken cancellationToken)
    {
        StackExchange.Redis.ConfigurationOptions connection = RedisConnectionString.Parse(redis, "--cluster");
        await RedisCredentialsCheck.VerifyAsync(connection, redis, "--cluster");

        // A client sees every dead silo's gateway refuse connections; only errors are news.
        HostBuilder builder = Builder(LogLevel.Error);

        // While Redis is down the client cannot refresh its gateway list and says so as an error
        // every few seconds; it keeps the gateways it has, and the campaign's status says it is
        // paused, so that is not news.
        builder.ConfigureLogging(logging => logging.AddFilter("Orleans.Messaging.GatewayManager", LogLevel.Critical));
        return await Start(
            builder.UseOrleansClient(client =>
            {
                client.UseRedisClustering(o => o.ConfigurationOptions = connection.Clone());
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = "geode";
                    o.ServiceId = "geode";
                });
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(5));
                client.Configure<MessagingOptions>(o => o.MaxMessageBodySize = GeodeSiloExtensions.MaxMessageBodySize);
            }),
            null,
            cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        finally
        {
            _host.Dispose();
        }
    }

    /// <summary>
    /// A host builder that logs from <paramref name="level"/> up to stderr and leaves Ctrl-C to the
    /// command; <c>GEODE_LOG_LEVEL</c> sets the level of Geode's own categories (see <see cref="GeodeLogLevel"/>).
    /// </summary>
    /// <exception cref="Geode.Model.BadInputException">GEODE_LOG_LEVEL is not a level.</exception>
    internal static HostBuilder Builder(LogLevel level)
    {
        LogLevel? geode = GeodeLogLevel.FromEnvironment();
        var builder = new HostBuilder();
        builder.ConfigureLogging(logging =>
        {
            logging
                .AddSimpleConsole(o => o.SingleLine = true)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .SetMinimumLevel(level);
            if (geode is LogLevel own)
            {
                logging.AddFilter("Geode", own);
            }
        });
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<IHostLifetime, CommandLifetime>();
        });
        return builder;
    }

    private static async Task<GeodeHost> Start(IHostBuilder builder, GeodeSiloOptions? silo, CancellationToken cancellationToken)
    {
        IHost host = builder.Build();
        try
        {
            if (silo is null)
            {
                await host.StartAsync(cancellationToken);
            }
            else
            {
                await host.StartGeodeAsync(silo, cancellationToken);
            }
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new GeodeHost(host);
    }
}
