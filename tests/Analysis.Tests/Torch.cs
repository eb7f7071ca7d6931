using Geode.Model.Native;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests;

/// <summary>Torch start-up and seeded random tensors for the analysis tests.</summary>
internal static class Torch
{
    public static void Start() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    /// <summary>Standard normal float64 values of the given shape, deterministic for the seed.</summary>
    public static Tensor Normal(long seed, params long[] shape)
    {
        using var generator = new Generator(unchecked((ulong)seed), device: CPU);
        return randn(shape, dtype: ScalarType.Float64, generator: generator);
    }

    public static double[] Values(Tensor t) => t.to(ScalarType.Float64).contiguous().data<double>().ToArray();
}
