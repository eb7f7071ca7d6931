namespace Geode.Model.Native;

/// <summary>What <see cref="TorchRuntime.Initialize"/> brought up, for <c>geode doctor</c> and provenance.</summary>
/// <param name="TorchSharpVersion">The TorchSharp package version.</param>
/// <param name="LibTorchVersion">The libtorch version in use.</param>
/// <param name="LibTorchSource">Where that libtorch came from (the bundled package or a folder).</param>
/// <param name="NativeLibraries">Paths of the torch libraries this process mapped.</param>
/// <param name="CompatibilityPatch">The state of the GLIBCXX_3.4.32 patch, in words.</param>
/// <param name="Device">The compute device.</param>
/// <param name="TorchThreads">Torch's intra-op CPU threads.</param>
/// <param name="CudaDeviceCount">CUDA devices torch sees (0 with a CPU libtorch).</param>
public sealed record TorchRuntimeInfo(
    string TorchSharpVersion,
    string LibTorchVersion,
    string LibTorchSource,
    IReadOnlyList<string> NativeLibraries,
    string CompatibilityPatch,
    DeviceSpec Device,
    int TorchThreads,
    int CudaDeviceCount);
