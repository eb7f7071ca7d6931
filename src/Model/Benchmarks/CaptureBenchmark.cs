using System.Diagnostics;
using Geode.Model.Inference;
using static TorchSharp.torch;

namespace Geode.Model.Benchmarks;

/// <summary>What <see cref="CaptureBenchmark.Run"/> measured.</summary>
/// <param name="Prompts">Prompts timed.</param>
/// <param name="Tokens">Tokens per prompt.</param>
/// <param name="Batch">Prompts per forward pass.</param>
/// <param name="Seconds">Wall time of the timed passes (a warm-up pass is not counted).</param>
/// <param name="PeakMemoryBytes">The process's peak resident memory (VmHWM) so far.</param>
/// <param name="Device">Where it ran.</param>
/// <param name="Checksum">Sum of every captured value: proves the work was done and compares runs.</param>
public sealed record CaptureMeasurement(int Prompts, int Tokens, int Batch, double Seconds, long PeakMemoryBytes, string Device, double Checksum)
{
    /// <summary>Prompts per second.</summary>
    public double PromptsPerSecond => Prompts / Seconds;

    /// <summary>Prompt tokens per second.</summary>
    public double TokensPerSecond => (double)Prompts * Tokens / Seconds;
}

/// <summary>
/// Capture throughput: random prompts of a fixed length, every layer's last-token residual kept
/// (what a direction-finding campaign does per prompt), no logits.
/// </summary>
public static class CaptureBenchmark
{
    /// <summary>Runs one warm-up batch, then times <paramref name="prompts"/> prompts in batches.</summary>
    public static CaptureMeasurement Run(CausalLM model, int prompts, int tokens, int batch, long seed = 0)
    {
        if (prompts <= 0 || tokens <= 0 || batch <= 0)
        {
            throw new BadInputException($"--prompts, --tokens and --batch must be positive (got {prompts}, {tokens}, {batch}).", "--prompts");
        }

        var generator = new Generator((ulong)seed, device: CPU);
        using Tensor ids = randint(3, model.Config.VocabSize, [prompts, tokens], dtype: ScalarType.Int64, generator: generator);
        using Tensor mask = ones([prompts, tokens], dtype: ScalarType.Int64);
        ResidualCapture capture = ResidualCapture.AllLayers(model.Config.NumLayers);

        double checksum = 0;
        RunBatch(0, Math.Min(batch, prompts));
        Synchronize(model.Device);
        checksum = 0;
        var clock = Stopwatch.StartNew();
        for (int start = 0; start < prompts; start += batch)
        {
            RunBatch(start, Math.Min(batch, prompts - start));
        }

        Synchronize(model.Device);
        double seconds = clock.Elapsed.TotalSeconds;
        return new CaptureMeasurement(prompts, tokens, batch, seconds, ProcessMemory.PeakResidentBytes(), model.Device.ToString(), checksum);

        void RunBatch(int start, int count)
        {
            using var scope = NewDisposeScope();
            using ForwardResult result = model.Forward(new ForwardRequest(ids.narrow(0, start, count), mask.narrow(0, start, count))
            {
                Capture = capture,
                Logits = LogitsScope.None,
            });

            // Pull the residuals to the host, as a capture shard does before shipping them.
            foreach (Tensor residual in result.Residuals.Values)
            {
                checksum += residual.cpu().sum().item<float>();
            }
        }
    }

    private static void Synchronize(Device device)
    {
        if (device.type == TorchSharp.DeviceType.CUDA)
        {
            cuda.synchronize(device);
        }
    }
}
