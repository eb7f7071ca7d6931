using Geode.Grains.Telemetry;
using Microsoft.Extensions.Hosting;

namespace Geode.Silo.Hosting;

/// <summary>
/// Creates the <see cref="GeodeMetrics"/> instruments when the host starts (not when the first
/// grain needs them), so the gauges answer from the first scrape on, and records the zero baseline
/// of the rare-event counters (<see cref="GeodeMetrics.StartAtZero"/>).
/// </summary>
/// <param name="metrics">The silo's instruments.</param>
internal sealed class MetricsBaseline(GeodeMetrics metrics) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.StartAtZero();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
