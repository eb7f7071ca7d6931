namespace Geode.Silo.Hosting;

/// <summary>How a Geode silo joins its cluster and what it runs.</summary>
public sealed class GeodeSiloOptions
{
    /// <summary>The Redis connection string (see <see cref="RedisConnectionString"/>) for clustering, grain storage and reminders; null for a single localhost silo with memory storage (embedded mode).</summary>
    public string? Redis { get; set; }

    /// <summary>Whether this silo holds a model worker and takes shard and trial grains.</summary>
    public bool Compute { get; set; } = true;

    /// <summary>The silo-to-silo port (0: a free one).</summary>
    public int SiloPort { get; set; }

    /// <summary>The client gateway port (0: a free one).</summary>
    public int GatewayPort { get; set; }

    /// <summary>The address other silos and clients reach this one at (default: loopback).</summary>
    public string? Address { get; set; }

    /// <summary>The device every model on this silo runs on, or null to follow each campaign's.</summary>
    public string? Device { get; set; }

    /// <summary>The cluster's id; silos and clients with the same id and Redis form one cluster.</summary>
    public string ClusterId { get; set; } = "geode";

    /// <summary>The port serving <c>/metrics</c> (Prometheus) and <c>/healthz</c>, or null for none (the default).</summary>
    public int? MetricsPort { get; set; }

    /// <summary>The port serving the Orleans Dashboard, or null for none (the default).</summary>
    public int? DashboardPort { get; set; }

    /// <summary>
    /// The IP the metrics and dashboard ports listen on. Loopback by default, so nothing is exposed
    /// unless asked for; Kubernetes pods pass <c>0.0.0.0</c> so Prometheus and probes reach them.
    /// </summary>
    public string HttpAddress { get; set; } = "127.0.0.1";
}
