namespace Geode.Model.Native;

/// <summary>How to bring up TorchSharp in this process.</summary>
/// <param name="LibTorchFolder">A user-supplied libtorch lib folder, or null for the bundled CPU libtorch.</param>
/// <param name="LibTorchOrigin">Where that folder was named (<c>--libtorch</c> or <c>GEODE_LIBTORCH</c>), for messages.</param>
/// <param name="Device">The device to compute on.</param>
/// <param name="Threads">CPU threads for torch's intra-op pool; 0 keeps torch's default.</param>
public sealed record TorchRuntimeOptions(string? LibTorchFolder, string LibTorchOrigin, DeviceSpec Device, int Threads)
{
    /// <summary>The bundled CPU libtorch, torch's default thread count.</summary>
    public static TorchRuntimeOptions Default { get; } = new(null, "--libtorch", DeviceSpec.Cpu, 0);
}
