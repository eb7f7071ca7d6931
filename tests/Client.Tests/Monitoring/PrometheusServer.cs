using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Geode.Silo.Hosting;
using Geode.Tests;

namespace Geode.Client.Tests.Monitoring;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c> package, which test.sh installs) scraping one
/// target every second: its own process on a free loopback port, its own config and TSDB in a temp
/// folder, killed on dispose.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempFolder _folder;
    private readonly HttpClient _http;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();

    private PrometheusServer(Process process, TempFolder folder, Uri address)
    {
        _process = process;
        _folder = folder;
        _http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        process.ErrorDataReceived += (_, e) => Receive(e.Data);
        process.OutputDataReceived += (_, e) => Receive(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    /// <summary>What Prometheus printed (it logs to stderr).</summary>
    public string Log => string.Join('\n', _log);

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (HOST:PORT, path /metrics) and waits until it is ready.</summary>
    /// <exception cref="InvalidOperationException">The <c>prometheus</c> binary is missing, or it did not become ready.</exception>
    public static async Task<PrometheusServer> StartAsync(string target)
    {
        string binary = Find() ?? throw new InvalidOperationException("The prometheus binary is not on PATH; test.sh installs Debian's `prometheus` package (apt-get install prometheus).");
        var folder = new TempFolder();
        string config = folder.File("prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: geode
                scrape_interval: 1s
                scrape_timeout: 1s
                metrics_path: {GeodeHttpEndpoints.MetricsPath}
                static_configs:
                  - targets: ['{target}']
            """);
        int port = GeodeSiloExtensions.FreePort();
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add($"--config.file={config}");
        start.ArgumentList.Add($"--storage.tsdb.path={Path.Combine(folder.Path, "data")}");
        start.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        var server = new PrometheusServer(Process.Start(start)!, folder, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            if (server._process.HasExited)
            {
                string log = server.Log;
                await server.DisposeAsync();
                throw new InvalidOperationException($"prometheus exited with {server._process.ExitCode}:\n{log}");
            }

            try
            {
                using HttpResponseMessage ready = await server._http.GetAsync(new Uri("-/ready", UriKind.Relative), timeout.Token);
                if (ready.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException)
            {
                string log = server.Log;
                await server.DisposeAsync();
                throw new InvalidOperationException($"prometheus did not become ready in 2 minutes:\n{log}");
            }

            await Task.Delay(250, CancellationToken.None);
        }
    }

    /// <summary>Evaluates <paramref name="promql"/> now through <c>/api/v1/query</c>; returns the whole JSON answer.</summary>
    public async Task<JsonNode> QueryAsync(string promql)
    {
        using HttpResponseMessage response = await _http.GetAsync(new Uri($"api/v1/query?query={Uri.EscapeDataString(promql)}", UriKind.Relative));
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _http.Dispose();
        _folder.Dispose();
    }

    private static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "prometheus"))
            .FirstOrDefault(File.Exists);

    private void Receive(string? line)
    {
        if (line is not null)
        {
            _log.Enqueue(line);
        }
    }
}
