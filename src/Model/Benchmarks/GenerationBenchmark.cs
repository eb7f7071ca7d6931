using System.Diagnostics;
using Geode.Model.Inference;
using static TorchSharp.torch;

namespace Geode.Model.Benchmarks;

/// <summary>What <see cref="GenerationBenchmark.Run"/> measured.</summary>
/// <param name="Prompts">Prompts generated for.</param>
/// <param name="PromptTokens">Tokens per prompt.</param>
/// <param name="NewTokens">New tokens per prompt (no stop token ends a row early).</param>
/// <param name="Batch">Prompts per generation batch.</param>
/// <param name="Seconds">Wall time of the timed batches (a warm-up batch is not counted).</param>
/// <param name="PeakMemoryBytes">The process's peak resident memory (VmHWM) so far.</param>
/// <param name="Device">Where it ran.</param>
/// <param name="Checksum">Sum of every generated token id: compares runs.</param>
public sealed record GenerationMeasurement(int Prompts, int PromptTokens, int NewTokens, int Batch, double Seconds, long PeakMemoryBytes, string Device, long Checksum)
{
    /// <summary>Generated tokens per second.</summary>
    public double TokensPerSecond => (double)Prompts * NewTokens / Seconds;
}

/// <summary>
/// Greedy generation throughput with a KV cache: random prompts of a fixed length, every row run to
/// the full length (stop tokens are ignored), as transformers' <c>generate</c> is timed with
/// <c>min_new_tokens = max_new_tokens</c>.
/// </summary>
public static class GenerationBenchmark
{
    /// <summary>Runs one warm-up batch, then times <paramref name="prompts"/> prompts in batches.</summary>
    public static GenerationMeasurement Run(CausalLM model, int prompts, int promptTokens, int newTokens, int batch, long seed = 0)
    {
        if (prompts <= 0 || promptTokens <= 0 || newTokens <= 0 || batch <= 0)
        {
            throw new BadInputException($"--prompts, --prompt-tokens, --new-tokens and --batch must be positive (got {prompts}, {promptTokens}, {newTokens}, {batch}).", "--prompts");
        }

        var generator = new Generator((ulong)seed, device: CPU);
        using Tensor ids = randint(3, model.Config.VocabSize, [prompts, promptTokens], dtype: ScalarType.Int64, generator: generator);
        using Tensor mask = ones([prompts, promptTokens], dtype: ScalarType.Int64);
        var options = new GenerationOptions(newTokens) { StopIds = [] };

        RunBatch(0, Math.Min(batch, prompts));
        var clock = Stopwatch.StartNew();
        long checksum = 0;
        for (int start = 0; start < prompts; start += batch)
        {
            checksum += RunBatch(start, Math.Min(batch, prompts - start));
        }

        double seconds = clock.Elapsed.TotalSeconds;
        return new GenerationMeasurement(prompts, promptTokens, newTokens, batch, seconds, ProcessMemory.PeakResidentBytes(), model.Device.ToString(), checksum);

        long RunBatch(int start, int count)
        {
            // Generation pulls every step's tokens to the host, so the device is synchronised per step.
            GenerationResult result = TextGenerator.Generate(model, ids.narrow(0, start, count), mask.narrow(0, start, count), options);
            return result.Tokens.Sum(row => row.Sum(token => (long)token));
        }
    }
}
