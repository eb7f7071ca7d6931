using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Geode.Client.Tests;

/// <summary>
/// Runs the built CLI in a network namespace of its own (<c>unshare --net</c>, util-linux): loopback
/// only — the embedded silo talks to itself over 127.0.0.1 — and no route anywhere else. Before the
/// CLI starts, the script proves the isolation: it cannot open a TCP connection to a listener this
/// process holds on the machine's own network address (one that answers from outside the sandbox);
/// if that connection opens, the run exits 99 instead of running Geode.
/// </summary>
internal static class Offline
{
    /// <summary>The exit code of a run whose sandbox could reach the network after all.</summary>
    public const int NetworkReachable = 99;

    /// <summary>Runs <c>geode ARGS</c> with networking off and returns what it printed.</summary>
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        // Needs CAP_SYS_ADMIN (root, as CI and test.sh run) and `ip` from iproute2 (test.sh installs it).
        const string Script = """
            set -e
            ip link set lo up
            if timeout 3 bash -c "exec 3<>/dev/tcp/$GEODE_PROBE_HOST/$GEODE_PROBE_PORT" 2>/dev/null; then
              echo "offline: a TCP connection to $GEODE_PROBE_HOST:$GEODE_PROBE_PORT opened; the sandbox has a network" >&2
              exit 99
            fi
            exec "$@"
            """;
        using TcpListener probe = ReachableListener();
        var endpoint = (IPEndPoint)probe.LocalEndpoint;
        var start = new ProcessStartInfo("unshare")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "--net", "--", "bash", "-c", Script, "offline", "dotnet", Path.Combine(AppContext.BaseDirectory, "geode.dll") }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("GEODE_LIBTORCH");
        start.Environment["GEODE_PROBE_HOST"] = endpoint.Address.ToString();
        start.Environment["GEODE_PROBE_PORT"] = endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("unshare did not start; it is util-linux's.");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new CliResult(process.ExitCode, await output, await error);
    }

    /// <summary>
    /// A listener on this machine's first non-loopback IPv4 address, checked to accept a connection
    /// from here: the address the sandbox must not reach.
    /// </summary>
    private static TcpListener ReachableListener()
    {
        IPAddress address = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? throw new InvalidOperationException("This machine has no non-loopback IPv4 address to prove the sandbox offline against.");
        var listener = new TcpListener(address, 0);
        listener.Start();
        using (var client = new TcpClient())
        {
            client.Connect((IPEndPoint)listener.LocalEndpoint);
        }

        return listener;
    }
}
