using System.Runtime.InteropServices;
using System.Text;

namespace Geode.Model.Native;

/// <summary>A GPU as the NVIDIA driver describes it.</summary>
/// <param name="Index">NVML's device index (PCI order; CUDA_VISIBLE_DEVICES may renumber CUDA's).</param>
/// <param name="Name">The product name.</param>
/// <param name="TotalBytes">Device memory in bytes.</param>
/// <param name="FreeBytes">Free device memory in bytes.</param>
public sealed record GpuDevice(int Index, string Name, ulong TotalBytes, ulong FreeBytes);

/// <summary>
/// Lists GPUs through NVML (<c>libnvidia-ml.so.1</c>, installed with the NVIDIA driver). TorchSharp
/// exposes no device names or memory figures, and NVML answers without creating a CUDA context.
/// </summary>
public static partial class NvmlDevices
{
    private const string Library = "libnvidia-ml.so.1";

    /// <summary>The GPUs the driver reports, or an empty list when there is no NVIDIA driver.</summary>
    public static IReadOnlyList<GpuDevice> List()
    {
        try
        {
            if (nvmlInit_v2() != 0)
            {
                return [];
            }
        }
        catch (DllNotFoundException)
        {
            return [];
        }
        catch (EntryPointNotFoundException)
        {
            return [];
        }

        try
        {
            if (nvmlDeviceGetCount_v2(out uint count) != 0)
            {
                return [];
            }

            var devices = new List<GpuDevice>((int)count);
            var name = new byte[96];
            for (uint i = 0; i < count; i++)
            {
                if (nvmlDeviceGetHandleByIndex_v2(i, out nint handle) != 0)
                {
                    continue;
                }

                string text = nvmlDeviceGetName(handle, name, (uint)name.Length) == 0
                    ? Encoding.ASCII.GetString(name, 0, Math.Max(0, Array.IndexOf(name, (byte)0)))
                    : "unknown";
                NvmlMemory memory = default;
                _ = nvmlDeviceGetMemoryInfo(handle, ref memory);
                devices.Add(new GpuDevice((int)i, text, memory.Total, memory.Free));
            }

            return devices;
        }
        finally
        {
            _ = nvmlShutdown();
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct NvmlMemory
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }

    [LibraryImport(Library)]
    private static partial int nvmlInit_v2();

    [LibraryImport(Library)]
    private static partial int nvmlShutdown();

    [LibraryImport(Library)]
    private static partial int nvmlDeviceGetCount_v2(out uint count);

    [LibraryImport(Library)]
    private static partial int nvmlDeviceGetHandleByIndex_v2(uint index, out nint device);

    [LibraryImport(Library)]
    private static partial int nvmlDeviceGetName(nint device, [Out] byte[] name, uint length);

    [LibraryImport(Library)]
    private static partial int nvmlDeviceGetMemoryInfo(nint device, ref NvmlMemory memory);
}
