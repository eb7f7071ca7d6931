using System.Diagnostics;
using Geode.Model.Weights;
using static TorchSharp.torch;

namespace Geode.Model.Benchmarks;

/// <summary>What loading a checkpoint cost.</summary>
/// <param name="ModelBytes">The loaded tensors' size in the target precision (<see cref="CausalLM.WeightBytes"/>).</param>
/// <param name="BaselineBytes">Resident memory just before loading (runtime and libtorch already up).</param>
/// <param name="PeakBytes">The process's peak resident memory after loading.</param>
/// <param name="Seconds">Wall time of the load.</param>
public sealed record LoadMeasurement(long ModelBytes, long BaselineBytes, long PeakBytes, double Seconds)
{
    /// <summary>Peak memory the load added over the baseline, relative to the model's size (1.0 is ideal).</summary>
    public double PeakOverModel => (double)(PeakBytes - BaselineBytes) / ModelBytes;

    private const long StagingWarmElements = 4L << 20;

    /// <summary>Loads <paramref name="folder"/> with <paramref name="options"/> and measures it.</summary>
    public static LoadMeasurement Measure(string folder, LoadOptions options)
    {
        // Bring torch fully up first — its intra-op thread pool and their allocator arenas start on
        // the first large parallel op — so the baseline holds the runtime, and the peak the load.
        using (Tensor warm = ones(StagingWarmElements))
        using (Tensor converted = warm.to(ScalarType.BFloat16))
        {
            _ = converted.sum().to(ScalarType.Float32).item<float>();
        }

        long baseline = ProcessMemory.CurrentResidentBytes();
        var clock = Stopwatch.StartNew();
        using CausalLM model = ModelLoader.Load(folder, options);
        double seconds = clock.Elapsed.TotalSeconds;
        return new LoadMeasurement(model.WeightBytes, baseline, ProcessMemory.PeakResidentBytes(), seconds);
    }
}
