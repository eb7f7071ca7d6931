using System.CommandLine;
using Geode.Client.Cluster;
using Geode.Model.Native;
using Geode.Silo.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Geode.Client.Commands;

/// <summary>
/// <c>geode silo [--redis REDIS] [--device cpu|cuda:N] [--libtorch DIR] [--no-compute]
/// [--metrics-port N] [--dashboard-port N] [--http-address IP]</c>: runs a silo until Ctrl-C. With
/// Redis it joins the cluster registered there (clustering, grain storage and reminders in Redis);
/// without, it is a single localhost silo on ports 11111/30000. The HTTP endpoints (metrics,
/// health, dashboard) are off unless their ports are given.
/// </summary>
internal static class SiloCommand
{
    public static Command Create()
    {
        var redis = new Option<string?>("--redis") { Description = "Redis for clustering, storage and reminders: HOST:PORT, redis://[USER:PASSWORD@]HOST:PORT, rediss://... (TLS) or HOST:PORT,password=...,ssl=true; the password may come from GEODE_REDIS_PASSWORD, a TLS CA file from GEODE_REDIS_CA.", HelpName = "REDIS" };
        var port = new Option<int>("--port") { Description = "Silo-to-silo port (0: a free one with --redis, 11111 without).", DefaultValueFactory = _ => 0 };
        var gateway = new Option<int>("--gateway-port") { Description = "Client gateway port (0: a free one with --redis, 30000 without).", DefaultValueFactory = _ => 0 };
        var address = new Option<string?>("--address") { Description = "The IP other silos and clients reach this silo at (default: loopback).", HelpName = "IP" };
        var noCompute = new Option<bool>("--no-compute") { Description = "Hold no model: coordinate only; shard and trial grains go to other silos." };
        var runtime = new RuntimeOptions();
        var monitor = new MonitorOptions("this silo");
        var command = new Command("silo", "Run a silo host (Ctrl-C stops it).");
        command.Add(redis);
        command.Add(port);
        command.Add(gateway);
        command.Add(address);
        command.Add(noCompute);
        runtime.AddTo(command);
        monitor.AddTo(command);
        command.SetAction(async (parsed, cancellation) =>
        {
            string? endpoint = parsed.GetValue(redis);
            if (endpoint is not null)
            {
                await RedisCredentialsCheck.VerifyAsync(RedisConnectionString.Parse(endpoint), endpoint, "--redis");
            }

            // Flags first: a bad port is reported before torch loads.
            GeodeSiloOptions http = monitor.Apply(parsed, new GeodeSiloOptions());
            TorchRuntimeOptions torch = runtime.Read(parsed);
            TorchRuntimeInfo info = TorchRuntime.Initialize(torch);
            var options = new GeodeSiloOptions
            {
                Redis = endpoint,
                SiloPort = parsed.GetValue(port) is int p and > 0 ? p : endpoint is null ? 11111 : 0,
                GatewayPort = parsed.GetValue(gateway) is int g and > 0 ? g : endpoint is null ? 30000 : 0,
                Address = parsed.GetValue(address),
                Compute = !parsed.GetValue(noCompute),
                Device = info.Device.ToString(),
                MetricsPort = http.MetricsPort,
                DashboardPort = http.DashboardPort,
                HttpAddress = http.HttpAddress,
            };
            using IHost host = GeodeHost.Builder(LogLevel.Information).UseGeodeSilo(options).Build();
            await host.StartGeodeAsync(options, cancellation);
            await parsed.InvocationConfiguration.Error.WriteLineAsync($"geode: silo up ({(options.Compute ? $"compute on {options.Device}" : "no compute")}, {(endpoint is null ? "localhost clustering" : $"Redis {RedisConnectionString.Redact(endpoint)}")}{GeodeHost.Endpoints(options)}); Ctrl-C stops it.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellation);
            }
            catch (OperationCanceledException)
            {
            }

            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await host.StopAsync(stop.Token);
            return GeodeCli.Ok;
        });
        return command;
    }
}
