using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Geode.Model;
using Geode.Model.Benchmarks;
using Geode.Model.Native;

namespace Geode.Client.Commands;

/// <summary><c>geode bench generate</c>: greedy generation throughput (KV cache, every row to full length).</summary>
internal static class BenchGenerateCommand
{
    public static Command Create()
    {
        var source = new BenchModelOptions();
        var prompts = new Option<int>("--prompts") { Description = "Prompts to generate for.", DefaultValueFactory = _ => 64 };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Tokens per prompt.", DefaultValueFactory = _ => 16 };
        var newTokens = new Option<int>("--new-tokens") { Description = "New tokens per prompt.", DefaultValueFactory = _ => 64 };
        var batch = new Option<int>("--batch") { Description = "Prompts per generation batch.", DefaultValueFactory = _ => 64 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("generate", "Greedy generation of random prompts with a KV cache: tokens/s, peak memory.");
        source.AddTo(command);
        foreach (Option option in new Option[] { prompts, promptTokens, newTokens, batch, json })
        {
            command.Add(option);
        }

        command.SetAction(async (parsed, cancellation) =>
        {
            (CausalLM lm, string name, TorchRuntimeInfo info, string dtypeName) = source.Load(parsed, "bench generate");
            GenerationMeasurement m;
            long weightBytes = lm.WeightBytes;
            using (lm)
            {
                m = GenerationBenchmark.Run(lm, parsed.GetValue(prompts), parsed.GetValue(promptTokens), parsed.GetValue(newTokens), parsed.GetValue(batch), source.Seed(parsed));
            }

            TextWriter output = parsed.InvocationConfiguration.Output;
            await output.WriteLineAsync(parsed.GetValue(json)
                ? JsonSerializer.Serialize(new
                {
                    model = name,
                    prompts = m.Prompts,
                    prompt_tokens = m.PromptTokens,
                    new_tokens = m.NewTokens,
                    batch = m.Batch,
                    dtype = dtypeName,
                    weight_bytes = weightBytes,
                    threads = info.TorchThreads,
                    seconds = Math.Round(m.Seconds, 3),
                    tokens_per_s = Math.Round(m.TokensPerSecond, 1),
                    peak_memory_bytes = m.PeakMemoryBytes,
                    device = m.Device,
                    checksum = m.Checksum,
                })
                : string.Create(CultureInfo.InvariantCulture,
                    $"{name}: {m.Prompts} prompts x {m.PromptTokens} tokens, {m.NewTokens} new tokens each, batch {m.Batch}, {dtypeName}, {info.TorchThreads} threads on {m.Device}\n" +
                    $"  {m.TokensPerSecond:F0} tokens/s, {m.Seconds:F2} s, weights {BenchCommand.Mib(weightBytes)} MiB, peak memory {BenchCommand.Mib(m.PeakMemoryBytes)} MiB"));
            return GeodeCli.Ok;
        });
        return command;
    }
}
