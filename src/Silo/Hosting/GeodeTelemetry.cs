using Geode.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Orleans.Dashboard;

namespace Geode.Silo.Hosting;

/// <summary>
/// What a silo exports and shows (DESIGN §5), only when their ports are given: an OpenTelemetry
/// meter provider exporting the <c>Geode</c> meter (<see cref="GeodeMetrics"/>, always recorded),
/// Orleans' own <c>Microsoft.Orleans</c> meter and .NET runtime metrics for Prometheus, and the
/// Orleans Dashboard's services. <see cref="GeodeHttpEndpoints"/> serves them over HTTP.
/// </summary>
public static class GeodeTelemetry
{
    /// <summary>Orleans' own meter: grain calls, request latency, messaging, activations.</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>Registers the exporter and dashboard services <paramref name="options"/> asks for.</summary>
    public static ISiloBuilder AddGeodeTelemetry(this ISiloBuilder silo, GeodeSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MetricsPort is not null)
        {
            silo.Services.AddOpenTelemetry()
                .ConfigureResource(resource => resource
                    .AddService("geode")
                    .AddDetector(services => new SiloResourceDetector(services.GetRequiredService<ILocalSiloDetails>())))
                .WithMetrics(metrics => metrics
                    .AddMeter(GeodeMetrics.MeterName, OrleansMeterName)
                    .AddRuntimeInstrumentation()
                    .AddPrometheusExporter(exporter => exporter.ResourceConstantLabels = key => key == SiloResourceDetector.Label));

            // Registered after the exporter's own start-up, so it runs once the exporter listens.
            silo.Services.AddHostedService<MetricsBaseline>();
        }

        if (options.DashboardPort is not null)
        {
            silo.AddDashboard();
        }

        return silo;
    }
}
