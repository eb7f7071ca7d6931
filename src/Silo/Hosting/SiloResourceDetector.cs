using OpenTelemetry.Resources;

namespace Geode.Silo.Hosting;

/// <summary>
/// Names the silo in the metrics resource (<c>silo</c> = the Orleans silo name), which the
/// Prometheus exporter copies onto every series, Orleans' own included, so Grafana can split any
/// panel per silo.
/// </summary>
/// <param name="silo">This silo's details.</param>
internal sealed class SiloResourceDetector(ILocalSiloDetails silo) : IResourceDetector
{
    /// <summary>The label (and resource attribute) carrying the silo's name.</summary>
    public const string Label = "silo";

    /// <inheritdoc />
    public Resource Detect() => new([new KeyValuePair<string, object>(Label, silo.Name)]);
}
