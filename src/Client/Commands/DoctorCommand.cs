using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Geode.Model.Native;

namespace Geode.Client.Commands;

/// <summary>
/// <c>geode doctor</c>: reports the .NET, TorchSharp and libtorch in use, where the natives came
/// from, whether the GLIBCXX patch is in place, the devices, and runs a tensor op. Exits 1 when
/// the op fails, 2 when the named libtorch or device is unusable.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var runtime = new RuntimeOptions();
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("doctor", "Check that the torch runtime loads and computes here.");
        runtime.AddTo(command);
        command.Add(json);
        command.SetAction(async (parsed, cancellation) =>
        {
            TorchRuntimeInfo info = TorchRuntime.Initialize(runtime.Read(parsed));
            SelfTestResult check = TorchSelfTest.Run(info.Device);
            IReadOnlyList<GpuDevice> gpus = NvmlDevices.List();
            TextWriter output = parsed.InvocationConfiguration.Output;
            if (parsed.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(ToJson(info, check, gpus)));
            }
            else
            {
                await output.WriteAsync(Format(info, check, gpus));
            }

            return check.Passed ? GeodeCli.Ok : GeodeCli.Failed;
        });
        return command;
    }

    private static string Format(TorchRuntimeInfo info, SelfTestResult check, IReadOnlyList<GpuDevice> gpus)
    {
        var text = new System.Text.StringBuilder();
        void Line(string label, string value) => text.AppendLine(CultureInfo.InvariantCulture, $"{label,-14}{value}");

        Line(".NET", $"{RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier}, {RuntimeInformation.OSDescription})");
        Line("TorchSharp", info.TorchSharpVersion);
        Line("libtorch", $"{info.LibTorchVersion} — {info.LibTorchSource}");
        for (int i = 0; i < info.NativeLibraries.Count; i++)
        {
            Line(i == 0 ? "natives" : string.Empty, info.NativeLibraries[i]);
        }

        Line("glibcxx patch", info.CompatibilityPatch);
        Line("cpu", $"{Environment.ProcessorCount} logical cores; torch uses {info.TorchThreads} threads");
        Line("cuda", info.CudaDeviceCount > 0 ? $"{info.CudaDeviceCount} device(s) visible to torch" : "none visible to torch");
        foreach (GpuDevice gpu in gpus)
        {
            Line(string.Empty, $"gpu {gpu.Index}: {gpu.Name}, {Gib(gpu.TotalBytes)} total, {Gib(gpu.FreeBytes)} free");
        }

        Line("device", info.Device.ToString());
        Line("tensor op", $"{(check.Passed ? "ok" : "FAILED")}: {check.Detail} ({check.Elapsed.TotalMilliseconds:F0} ms)");
        return text.ToString();
    }

    private static object ToJson(TorchRuntimeInfo info, SelfTestResult check, IReadOnlyList<GpuDevice> gpus) => new
    {
        dotnet = RuntimeInformation.FrameworkDescription,
        torchsharp = info.TorchSharpVersion,
        libtorch = info.LibTorchVersion,
        libtorch_source = info.LibTorchSource,
        natives = info.NativeLibraries,
        glibcxx_patch = info.CompatibilityPatch,
        cpu_cores = Environment.ProcessorCount,
        torch_threads = info.TorchThreads,
        cuda_devices = info.CudaDeviceCount,
        gpus = gpus.Select(g => new { index = g.Index, name = g.Name, total_bytes = g.TotalBytes, free_bytes = g.FreeBytes }),
        device = info.Device.ToString(),
        tensor_op_ok = check.Passed,
        tensor_op = check.Detail,
    };

    private static string Gib(ulong bytes) => $"{bytes / (1024.0 * 1024 * 1024):F1} GiB";
}
