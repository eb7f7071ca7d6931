using System.Reflection;
using TorchSharp;

namespace Geode.Model.Native;

/// <summary>
/// Brings up TorchSharp once per process: loads a user-supplied libtorch first when one is named
/// (so TorchSharp binds to it), initialises the CPU or CUDA backend, and checks the device exists.
/// Native libraries cannot be unloaded, so a second call must ask for the same libtorch.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static TorchRuntimeOptions? _options;
    private static TorchRuntimeInfo? _info;

    /// <summary>The TorchSharp package version this build references.</summary>
    public static string TorchSharpVersion => Metadata("TorchSharpVersion") ?? "unknown";

    /// <summary>True when this build carries the CPU libtorch natives (not so for GPU-host publishes).</summary>
    public static bool HasBundledLibTorch => Metadata("BundledLibTorch") == "true";

    /// <summary>Initialises torch as <paramref name="options"/> say, or returns what an earlier call set up.</summary>
    /// <exception cref="BadInputException">The libtorch folder or device is unusable; the message says why.</exception>
    /// <exception cref="InvalidOperationException">The natives fail to load for a reason the user did not cause.</exception>
    public static TorchRuntimeInfo Initialize(TorchRuntimeOptions options)
    {
        lock (Gate)
        {
            if (_info is not null && _options is not null)
            {
                if (_options.LibTorchFolder != options.LibTorchFolder || _options.Device.IsCuda != options.Device.IsCuda)
                {
                    throw new InvalidOperationException(
                        $"torch was already initialised with {Describe(_options)}; one process cannot switch to {Describe(options)}.");
                }

                return _info;
            }

            _info = Start(options);
            _options = options;
            return _info;
        }
    }

    private static TorchRuntimeInfo Start(TorchRuntimeOptions options)
    {
        LibTorchFolder? folder = null;
        if (options.LibTorchFolder is not null)
        {
            folder = LibTorchFolder.Inspect(options.LibTorchFolder, options.LibTorchOrigin);
            if (options.Device.IsCuda)
            {
                folder.RequireCuda(options.Device);
            }

            folder.Load();
        }
        else if (options.Device.IsCuda)
        {
            throw new BadInputException(
                $"--device {options.Device} needs a CUDA build of libtorch, and Geode bundles only the CPU one. " +
                $"Name a CUDA libtorch with --libtorch DIR or GEODE_LIBTORCH. {LibTorchFolder.Hint}",
                "--device");
        }
        else if (!HasBundledLibTorch)
        {
            throw new BadInputException(
                $"This Geode build carries no libtorch (it was published with GeodeCpuLibTorch=false for GPU hosts). " +
                $"Name one with --libtorch DIR or GEODE_LIBTORCH. {LibTorchFolder.Hint}",
                "--libtorch");
        }

        InitializeBackend(options.Device);

        int cudaDevices = options.Device.IsCuda || (folder?.HasCuda ?? false) ? torch.cuda.device_count() : 0;
        if (options.Device.IsCuda)
        {
            if (!torch.cuda.is_available())
            {
                throw new BadInputException(
                    $"--device {options.Device}: libtorch {folder!.Version} from {folder.Path} has CUDA, but no CUDA " +
                    "device is usable (no GPU, no driver, or CUDA_VISIBLE_DEVICES hides them). Check nvidia-smi.",
                    "--device");
            }

            if (options.Device.Index >= cudaDevices)
            {
                throw new BadInputException(
                    $"--device {options.Device}: only {cudaDevices} CUDA device(s) are visible (cuda:0..cuda:{cudaDevices - 1}).",
                    "--device");
            }
        }

        if (options.Threads > 0)
        {
            torch.set_num_threads(options.Threads);
        }

        IReadOnlyList<string> natives = LoadedLibraries.Find("libtorch", "libc10", "libLibTorchSharp");
        string? torchSharpNative = natives.FirstOrDefault(p => Path.GetFileName(p) == "libLibTorchSharp.so")
            ?? TorchSharpCompatibility.FindShippedNative();
        return new TorchRuntimeInfo(
            TorchSharpVersion,
            folder?.Version ?? Metadata("BundledLibTorchVersion") ?? "unknown",
            folder is null ? "bundled (NuGet package libtorch-cpu-linux-x64)" : $"{folder.Path} (version from {folder.VersionSource})",
            natives,
            TorchSharpCompatibility.Describe(torchSharpNative),
            options.Device,
            torch.get_num_threads(),
            cudaDevices);
    }

    private static void InitializeBackend(DeviceSpec device)
    {
        try
        {
            torch.InitializeDeviceType(device.IsCuda ? DeviceType.CUDA : DeviceType.CPU);
        }
        catch (Exception error) when (error is not BadInputException)
        {
            string? shipped = TorchSharpCompatibility.FindShippedNative();
            if (TorchSharpCompatibility.IsUnpatchedHere(shipped))
            {
                throw new InvalidOperationException(
                    $"TorchSharp's native library {shipped} requires GLIBCXX_3.4.32, which this host's libstdc++ lacks. " +
                    "The Geode build marks that requirement weak in its outputs; this copy was not patched. Rebuild " +
                    "with ./geode (or dotnet build) instead of copying binaries from another machine.",
                    error);
            }

            throw new InvalidOperationException(
                $"TorchSharp could not initialise its {(device.IsCuda ? "CUDA" : "CPU")} backend: {FirstLine(error)}",
                error);
        }
    }

    private static string FirstLine(Exception error)
    {
        Exception innermost = error;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return innermost.Message.Split('\n')[0];
    }

    private static string Describe(TorchRuntimeOptions options) =>
        $"{options.LibTorchFolder ?? "the bundled libtorch"} on {(options.Device.IsCuda ? "CUDA" : "CPU")}";

    private static string? Metadata(string key) =>
        typeof(TorchRuntime).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == key)?.Value;
}
