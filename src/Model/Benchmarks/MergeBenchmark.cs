using System.Diagnostics;
using Geode.Model.Edits;
using static TorchSharp.torch;

namespace Geode.Model.Benchmarks;

/// <summary>What <see cref="MergeBenchmark.Run"/> measured.</summary>
/// <param name="Rank">Rank of the removed subspace.</param>
/// <param name="Writers">Writer weights edited.</param>
/// <param name="WriterBytes">Bytes of those weights.</param>
/// <param name="Seconds">Wall time of the merge.</param>
/// <param name="PeakMemoryBytes">The process's peak resident memory (VmHWM) so far.</param>
/// <param name="Device">Where it ran.</param>
public sealed record MergeMeasurement(int Rank, int Writers, long WriterBytes, double Seconds, long PeakMemoryBytes, string Device)
{
    /// <summary>Writer bytes rewritten per second.</summary>
    public double BytesPerSecond => WriterBytes / Seconds;
}

/// <summary>
/// Weight-space merge throughput: a random rank-k projection edit of every writer of every layer,
/// applied to the weights in place (<see cref="CausalLM.ApplyToWeights"/>) — what <c>geode export</c>
/// does before writing a checkpoint.
/// </summary>
public static class MergeBenchmark
{
    /// <summary>Merges one random rank-<paramref name="rank"/> edit into <paramref name="model"/>'s writers (the model is changed).</summary>
    public static MergeMeasurement Run(CausalLM model, int rank, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (rank <= 0 || rank > model.Config.HiddenSize)
        {
            throw new BadInputException($"--rank must be in [1, {model.Config.HiddenSize}] (got {rank}).", "--rank");
        }

        using Tensor basis = randn([model.Config.HiddenSize, rank], dtype: ScalarType.Float32, generator: new Generator((ulong)seed, device: CPU));
        int[] layers = [.. Enumerable.Range(0, model.Config.NumLayers)];
        var edit = new Edit([new EditPart(layers, model.Writers, basis, 1.0, EditVariant.Projection, PostNormAware: false)], $"random rank-{rank} projection");
        long bytes = layers.Sum(layer => model.Writers.Sum(writer =>
        {
            Tensor weight = model.WriterWeight(layer, writer);
            Tensor? scales = model.WriterWeightScales(layer, writer);
            return (weight.NumberOfElements * weight.ElementSize) + (scales is null ? 0 : scales.NumberOfElements * scales.ElementSize);
        }));

        var clock = Stopwatch.StartNew();
        model.ApplyToWeights(edit);
        if (model.Device.type == TorchSharp.DeviceType.CUDA)
        {
            cuda.synchronize(model.Device);
        }

        double seconds = clock.Elapsed.TotalSeconds;
        return new MergeMeasurement(rank, layers.Length * model.Writers.Count, bytes, seconds, ProcessMemory.PeakResidentBytes(), model.Device.ToString());
    }
}
