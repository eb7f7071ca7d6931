using System.Collections.Concurrent;
using System.Diagnostics;
using Geode.Silo.Hosting;

namespace Geode.Client.Tests.Campaigns;

/// <summary>A <c>geode silo</c> process (usually with <c>--redis</c>), as an operator would start one; killed or stopped by the test.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _log = new();

    private SiloProcess(Process process)
    {
        _process = process;
        process.ErrorDataReceived += (_, e) => Receive(e.Data);
        process.OutputDataReceived += (_, e) => Receive(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    /// <summary>Everything the silo printed so far.</summary>
    public string Log => string.Join('\n', _log);

    /// <summary>Starts a silo joining the cluster in Redis at <paramref name="redis"/> and waits until it is up.</summary>
    public static Task<SiloProcess> StartAsync(string redis) => StartSiloAsync(["--redis", redis]);

    /// <summary>Whether the process ended (on its own, or killed).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>geode silo</c> with <paramref name="flags"/> (and <paramref name="environment"/>) and waits until it is up.</summary>
    public static async Task<SiloProcess> StartSiloAsync(IEnumerable<string> flags, IReadOnlyDictionary<string, string>? environment = null)
    {
        var silo = new SiloProcess(Start(["silo", .. flags], environment));
        Task finished = await Task.WhenAny(silo._up.Task, silo._process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(2)));
        if (finished != silo._up.Task)
        {
            throw new InvalidOperationException($"The silo did not come up:\n{silo.Log}");
        }

        return silo;
    }

    /// <summary>
    /// Starts the built CLI with <paramref name="args"/>, output redirected. The Redis password and
    /// CA variables are the ones in <paramref name="environment"/>, never the test runner's.
    /// </summary>
    public static Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        // SIGINT back to its default: a test run started in the background (`cmd &` in a script,
        // nohup, some CI runners) inherits SIGINT ignored, and .NET, like any Unix program,
        // keeps a signal ignored that was ignored when it started — the Ctrl-C tests would then
        // signal a process that cannot hear them. `env --default-signal` is coreutils ≥ 8.31.
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "geode.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("GEODE_LIBTORCH");
        start.Environment.Remove(RedisConnectionString.PasswordVariable);
        start.Environment.Remove(RedisConnectionString.CaVariable);
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    /// <summary>Runs the built CLI with <paramref name="args"/> to its end (at most <paramref name="timeout"/>).</summary>
    public static async Task<CliResult> RunToEndAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout)
    {
        using Process process = Start(args, environment);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"geode {string.Join(' ', args)} did not end within {timeout}: {await error}");
        }

        return new CliResult(process.ExitCode, await output, await error);
    }

    /// <summary>Kills the process at once (SIGKILL): a crashed machine.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>Stops the silo as Ctrl-C would (SIGINT) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        using (Process signal = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await signal.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await _process.WaitForExitAsync(timeout.Token);
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
    }

    private void Receive(string? line)
    {
        if (line is null)
        {
            return;
        }

        _log.Enqueue(line);
        if (line.Contains("silo up", StringComparison.Ordinal))
        {
            _up.TrySetResult();
        }
    }
}
