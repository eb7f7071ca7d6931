using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Geode.Silo.Hosting;

namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// A <c>redis-server</c> of a test's own, on a free loopback port, with the test's flags (a
/// password, TLS, an append-only file): unlike the shared <see cref="RedisServer"/>, it may be
/// killed and started again on the same port and data folder, or refuse clients.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private readonly string[] _flags;
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;

    private RedisProcess(int port, string[] flags)
    {
        Port = port;
        _flags = flags;
    }

    /// <summary>The port it listens on (plain or TLS, as the flags say).</summary>
    public int Port { get; }

    /// <summary>HOST:PORT.</summary>
    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <summary>What the server printed, for a failing test's message.</summary>
    public string Log => string.Join('\n', _log);

    /// <summary>Starts a server whose flags <paramref name="flags"/> builds from its port; returns once it accepts connections.</summary>
    public static async Task<RedisProcess> StartAsync(Func<int, IEnumerable<string>> flags)
    {
        ArgumentNullException.ThrowIfNull(flags);
        int port = GeodeSiloExtensions.FreePort();
        var redis = new RedisProcess(port, [.. flags(port)]);
        await redis.RunAsync();
        return redis;
    }

    /// <summary>Plain TCP on <paramref name="port"/>, loopback only, then <paramref name="extra"/>.</summary>
    public static IEnumerable<string> Plain(int port, params string[] extra) =>
        ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", .. extra];

    /// <summary>Kills the server at once (SIGKILL): a crash, not a clean shutdown.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Starts the server again with the same flags, port and data folder.</summary>
    public Task RestartAsync() => RunAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    private async Task RunAsync()
    {
        _process?.Dispose();
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string flag in _flags)
        {
            start.ArgumentList.Add(flag);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Process process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start; install Debian's redis-server (test.sh does).");
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is string line)
            {
                _log.Enqueue(line);
                if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
            }
        };
        process.ErrorDataReceived += (_, e) => _log.Enqueue(e.Data ?? string.Empty);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Task finished = await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30)));
        if (finished != ready.Task)
        {
            throw new InvalidOperationException($"redis-server {string.Join(' ', _flags)} did not come up:\n{Log}");
        }
    }
}
