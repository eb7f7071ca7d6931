using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Geode.Client.Tests.Campaigns;
using Geode.Silo.Hosting;

namespace Geode.Client.Tests.Monitoring;

/// <summary>
/// The silo's HTTP endpoints: <c>/healthz</c> on the metrics port, the Orleans Dashboard on its own
/// port, both on loopback unless <c>--http-address</c> says otherwise; bad ports and addresses are
/// bad input (exit 2) that names the flag.
/// </summary>
public sealed class HttpEndpointTests
{
    [Fact]
    public async Task Healthz_says_ok_and_the_dashboard_serves_its_page_on_loopback_only()
    {
        int metrics = GeodeSiloExtensions.FreePort(), dashboard = GeodeSiloExtensions.FreePort();
        await using SiloProcess silo = await SiloProcess.StartSiloAsync(
            ["--port", Text(GeodeSiloExtensions.FreePort()), "--gateway-port", Text(GeodeSiloExtensions.FreePort()), "--metrics-port", Text(metrics), "--dashboard-port", Text(dashboard), "--no-compute"]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        // "silo up" is printed once the host has started, so the probe already says ok.
        using HttpResponseMessage health = await http.GetAsync(new Uri($"http://127.0.0.1:{metrics}{GeodeHttpEndpoints.HealthPath}"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", await health.Content.ReadAsStringAsync());

        using HttpResponseMessage page = await http.GetAsync(new Uri($"http://127.0.0.1:{dashboard}/"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        // Each port serves only its own endpoints.
        using HttpResponseMessage noDashboard = await http.GetAsync(new Uri($"http://127.0.0.1:{metrics}/"));
        Assert.Equal(HttpStatusCode.NotFound, noDashboard.StatusCode);
        using HttpResponseMessage noMetrics = await http.GetAsync(new Uri($"http://127.0.0.1:{dashboard}{GeodeHttpEndpoints.MetricsPath}"));
        Assert.Equal(HttpStatusCode.NotFound, noMetrics.StatusCode);
        Assert.Contains($"metrics http://127.0.0.1:{metrics}/metrics", silo.Log);

        // Loopback by default: the machine's other addresses refuse the connection.
        foreach (IPAddress other in OtherAddresses())
        {
            using var client = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync(other, metrics));
        }
    }

    [Theory]
    [InlineData("silo", "--metrics-port", "0")]
    [InlineData("silo", "--metrics-port", "65536")]
    [InlineData("silo", "--dashboard-port", "-1")]
    [InlineData("silo", "--http-address", "not-an-ip")]
    [InlineData("run", "--metrics-port", "70000")]
    [InlineData("run", "--http-address", "localhost")]
    public async Task A_bad_port_or_address_exits_2_naming_the_flag(string command, string flag, string value)
    {
        string[] args = command == "run" ? ["run", "no-such-campaign.yaml", flag, value] : ["silo", flag, value];
        CliResult result = await CliRunner.RunAsync(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(flag, result.Error);
        Assert.Contains(value, result.Error);
    }

    [Fact]
    public async Task Run_with_cluster_refuses_the_embedded_silo_flags()
    {
        CliResult result = await CliRunner.RunAsync("run", "no-such-campaign.yaml", "--cluster", "redis://127.0.0.1:1", "--metrics-port", "9464");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--metrics-port", result.Error);
        Assert.Contains("geode silo", result.Error);
    }

    [Fact]
    public async Task A_metrics_port_already_in_use_exits_2()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        CliResult result = await CliRunner.RunProcessAsync("silo", "--port", Text(GeodeSiloExtensions.FreePort()), "--gateway-port", Text(GeodeSiloExtensions.FreePort()), "--metrics-port", Text(port), "--no-compute");
        Assert.True(result.ExitCode == 2, result.Error);
        Assert.Contains($"--metrics-port {port}", result.Error);
        Assert.Contains("in use", result.Error);
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static IEnumerable<IPAddress> OtherAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
}
