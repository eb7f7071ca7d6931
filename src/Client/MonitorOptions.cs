using System.CommandLine;
using Geode.Silo.Hosting;

namespace Geode.Client;

/// <summary>
/// The flags that turn on a silo's HTTP endpoints, shared by <c>geode silo</c> and the embedded
/// silo of <c>geode run</c>: <c>--metrics-port</c> (<c>/metrics</c> and <c>/healthz</c>),
/// <c>--dashboard-port</c> (Orleans Dashboard) and <c>--http-address</c>. All off by default.
/// </summary>
/// <param name="scope">How the help text names the silo they apply to.</param>
internal sealed class MonitorOptions(string scope)
{
    private readonly Option<int?> _metricsPort = new("--metrics-port")
    {
        Description = $"Serve Prometheus metrics at /metrics and a health check at /healthz on this port ({scope}; default: off).",
        HelpName = "N",
    };

    private readonly Option<int?> _dashboardPort = new("--dashboard-port")
    {
        Description = $"Serve the Orleans Dashboard on this port ({scope}; default: off).",
        HelpName = "N",
    };

    private readonly Option<string> _httpAddress = new("--http-address")
    {
        Description = "The IP the metrics and dashboard ports listen on (0.0.0.0: every interface).",
        HelpName = "IP",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    /// <summary>Adds the flags to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(_metricsPort);
        command.Add(_dashboardPort);
        command.Add(_httpAddress);
    }

    /// <summary>Whether any of the flags was given on the command line.</summary>
    public bool AnyGiven(ParseResult parsed) =>
        parsed.GetResult(_metricsPort) is { Implicit: false } || parsed.GetResult(_dashboardPort) is { Implicit: false } || parsed.GetResult(_httpAddress) is { Implicit: false };

    /// <summary>Copies the flags into <paramref name="options"/> and validates them.</summary>
    /// <exception cref="Model.BadInputException">A port is outside 1..65535 or the address is not an IP.</exception>
    public GeodeSiloOptions Apply(ParseResult parsed, GeodeSiloOptions options)
    {
        options.MetricsPort = parsed.GetValue(_metricsPort);
        options.DashboardPort = parsed.GetValue(_dashboardPort);
        options.HttpAddress = parsed.GetValue(_httpAddress) ?? options.HttpAddress;
        GeodeHttpEndpoints.Validate(options);
        return options;
    }
}
