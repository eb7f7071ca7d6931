using System.Diagnostics;
using Geode.Silo.Hosting;
using StackExchange.Redis;

namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// The real Redis the cluster tests use: the one test.sh started (GEODE_TEST_REDIS), or — when the
/// tests run on their own — a private <c>redis-server</c> on a free port, stopped at the end.
/// Emptied at the start so no earlier cluster's membership lingers.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _own;

    /// <summary>HOST:PORT.</summary>
    public string Endpoint { get; private set; } = string.Empty;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Endpoint = Environment.GetEnvironmentVariable("GEODE_TEST_REDIS") ?? string.Empty;
        if (Endpoint.Length == 0)
        {
            int port = GeodeSiloExtensions.FreePort();
            _own = Process.Start(new ProcessStartInfo("redis-server", ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            }) ?? throw new InvalidOperationException("redis-server did not start; install Debian's redis-server (test.sh does).");
            Endpoint = $"127.0.0.1:{port}";
        }

        ConfigurationOptions options = ConfigurationOptions.Parse(Endpoint);
        options.AllowAdmin = true;
        options.AbortOnConnectFail = false;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(options);
                foreach (System.Net.EndPoint server in redis.GetEndPoints())
                {
                    await redis.GetServer(server).FlushAllDatabasesAsync();
                }

                return;
            }
            catch (RedisConnectionException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_own is not null)
        {
            _own.Kill();
            await _own.WaitForExitAsync();
            _own.Dispose();
        }
    }
}
