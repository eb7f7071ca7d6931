using System.Globalization;
using System.Net;
using Geode.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;

namespace Geode.Silo.Hosting;

/// <summary>
/// The silo's HTTP side, off unless a port is given: <c>/metrics</c> (Prometheus text format) and
/// <c>/healthz</c> on the metrics port, the Orleans Dashboard on the dashboard port, both on
/// <see cref="GeodeSiloOptions.HttpAddress"/> (loopback unless configured).
/// </summary>
public static class GeodeHttpEndpoints
{
    /// <summary>The Prometheus scrape path on the metrics port.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>The health path on the metrics port: 200 <c>ok</c> once the silo has started, 503 before and while stopping.</summary>
    public const string HealthPath = "/healthz";

    /// <summary>Checks the ports and the address, naming the flag at fault.</summary>
    /// <exception cref="BadInputException">A port is outside 1..65535 or the address is not an IP.</exception>
    public static void Validate(GeodeSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckPort(options.MetricsPort, "--metrics-port");
        CheckPort(options.DashboardPort, "--dashboard-port");
        if (!IPAddress.TryParse(options.HttpAddress, out _))
        {
            throw new BadInputException($"--http-address: '{options.HttpAddress}' is not an IP address; use 127.0.0.1 (loopback, the default) or 0.0.0.0 (every interface).", "--http-address");
        }
    }

    /// <summary>Adds a Kestrel server for the ports <paramref name="options"/> gives; does nothing when it gives none.</summary>
    /// <exception cref="BadInputException">The options are invalid (see <see cref="Validate"/>).</exception>
    public static IHostBuilder UseGeodeHttp(this IHostBuilder host, GeodeSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(host);
        Validate(options);
        int[] ports = [.. new[] { options.MetricsPort, options.DashboardPort }.OfType<int>().Distinct()];
        if (ports.Length == 0)
        {
            return host;
        }

        IPAddress address = IPAddress.Parse(options.HttpAddress);

        // Every Prometheus scrape and probe would otherwise log two lines at Information.
        host.ConfigureLogging(logging => logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning));
        return host.ConfigureWebHost(web => web
            .UseKestrel(kestrel =>
            {
                foreach (int port in ports)
                {
                    kestrel.Listen(address, port);
                }
            })
            .ConfigureServices(services => services.AddRouting())
            .Configure(app =>
            {
                // One pipeline per port, chosen by the port the connection arrived on (not the Host
                // header, which proxies and port-forwards rewrite): the dashboard never answers on
                // the metrics port unless both flags name the same port.
                foreach (int port in ports)
                {
                    app.MapWhen(context => context.Connection.LocalPort == port, branch => branch
                        .UseRouting()
                        .UseEndpoints(endpoints =>
                        {
                            if (port == options.MetricsPort)
                            {
                                endpoints.MapPrometheusScrapingEndpoint(MetricsPath);
                                endpoints.MapGet(HealthPath, Health);
                            }

                            if (port == options.DashboardPort)
                            {
                                endpoints.MapOrleansDashboard();
                            }
                        }));
                }
            }));
    }

    /// <summary>Starts <paramref name="host"/>; a metrics or dashboard port that is taken is the user's to fix (exit 2).</summary>
    /// <exception cref="BadInputException">Kestrel could not bind a port.</exception>
    public static async Task StartGeodeAsync(this IHost host, GeodeSiloOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (IOException e) when (e.InnerException is AddressInUseException)
        {
            // Orleans may have started the silo before Kestrel tried to bind: leave the cluster
            // cleanly rather than by vanishing. A silo that had not reached Running refuses to
            // stop, and then there is nothing to leave.
            using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                try
                {
                    await host.StopAsync(stop.Token);
                }
                catch (Exception stopping) when (stopping is InvalidOperationException or OperationCanceledException)
                {
                }
            }

            string flags = string.Join(" or ", new[] { ("--metrics-port", options.MetricsPort), ("--dashboard-port", options.DashboardPort) }
                .Where(f => f.Item2 is not null)
                .Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Item1} {f.Item2}")));
            throw new BadInputException($"{flags}: the port is already in use on {options.HttpAddress}; choose another.", "--metrics-port", inner: e);
        }
    }

    private static void CheckPort(int? port, string flag)
    {
        if (port is int p && (p < 1 || p > 65535))
        {
            throw new BadInputException(string.Create(CultureInfo.InvariantCulture, $"{flag}: {p} is not a TCP port; use 1..65535."), flag);
        }
    }

    private static IResult Health(IHostApplicationLifetime lifetime) =>
        lifetime.ApplicationStarted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested
            ? Results.Text("ok", "text/plain")
            : Results.Text("starting or stopping", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable);
}
