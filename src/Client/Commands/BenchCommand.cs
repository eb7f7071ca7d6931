using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Geode.Model;
using Geode.Model.Benchmarks;
using Geode.Model.Native;
using Geode.Model.Random;
using Geode.Model.Weights;

namespace Geode.Client.Commands;

/// <summary><c>geode bench</c>: throughput measurements (capture, generate, sweep, merge, load), never tests.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure throughput (measurements, not tests).");
        bench.Add(CreateCapture());
        bench.Add(BenchGenerateCommand.Create());
        bench.Add(BenchSweepCommand.Create());
        bench.Add(BenchMergeCommand.Create());
        bench.Add(CreateLoad());
        bench.Add(CreateRandomCheckpoint());
        bench.Add(BenchScaleCommand.Create());
        return bench;
    }

    private static Command CreateLoad()
    {
        var runtime = new RuntimeOptions();
        var model = new Option<string>("--model") { Description = "A checkpoint folder.", HelpName = "DIR", Required = true };
        var dtype = new DTypeOption("The dtype to load into (default: the checkpoint's).");
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("load", "Load a checkpoint and report its size, the peak memory the load added, and the time.");
        runtime.AddTo(command);
        command.Add(model);
        dtype.AddTo(command);
        command.Add(json);
        command.SetAction(async (parsed, cancellation) =>
        {
            ModelPrecision? precision = dtype.Read(parsed);
            TorchRuntimeInfo info = TorchRuntime.Initialize(runtime.Read(parsed));
            LoadMeasurement m = LoadMeasurement.Measure(parsed.GetValue(model)!, LoadOptions.For(precision, new TorchSharp.torch.Device(info.Device.ToString())));
            TextWriter output = parsed.InvocationConfiguration.Output;
            await output.WriteLineAsync(parsed.GetValue(json)
                ? JsonSerializer.Serialize(new
                {
                    model_bytes = m.ModelBytes,
                    baseline_bytes = m.BaselineBytes,
                    peak_bytes = m.PeakBytes,
                    peak_over_model = Math.Round(m.PeakOverModel, 3),
                    seconds = Math.Round(m.Seconds, 3),
                })
                : string.Create(CultureInfo.InvariantCulture,
                    $"model {Mib(m.ModelBytes)} MiB; resident memory {Mib(m.BaselineBytes)} MiB before, peak {Mib(m.PeakBytes)} MiB " +
                    $"(load added {m.PeakOverModel:F2}x the model's size); {m.Seconds:F2} s"));
            return GeodeCli.Ok;
        });
        return command;
    }

    private static Command CreateRandomCheckpoint()
    {
        var random = new Option<string>("--random-config") { Description = $"Shape: {string.Join(", ", RandomConfigs.Names)}.", HelpName = "NAME", Required = true };
        var output = new Option<string>("--out") { Description = "Folder to write config.json and model.safetensors into.", HelpName = "DIR", Required = true };
        var dtype = new DTypeOption("The dtype to write (default: float32).");
        var seed = new Option<long>("--seed") { Description = "Seed of the random weights.", DefaultValueFactory = _ => 0 };
        var command = new Command("random-checkpoint", "Write a randomly initialised checkpoint of a named shape (for load and throughput runs).");
        dtype.AddTo(command);
        foreach (Option option in new Option[] { random, output, seed })
        {
            command.Add(option);
        }

        command.SetAction(async (parsed, cancellation) =>
        {
            ModelPrecision precision = dtype.Read(parsed) ?? new ModelPrecision(TorchSharp.torch.ScalarType.Float32);
            if (precision.Int8Weights)
            {
                // int8 is how a model is held once loaded, not a checkpoint format transformers reads.
                throw new BadInputException("--dtype: int8 is a load-time format; write the checkpoint in a float dtype and load it with --dtype int8.", "--dtype");
            }

            string folder = parsed.GetValue(output)!;
            RandomConfigs.Get(parsed.GetValue(random)!);
            TorchRuntime.Initialize(TorchRuntimeOptions.Default);
            RandomCheckpoint.Write(parsed.GetValue(random)!, parsed.GetValue(seed), precision.Compute, folder);
            await parsed.InvocationConfiguration.Output.WriteLineAsync($"wrote {Path.Combine(folder, "model.safetensors")} and config.json");
            return GeodeCli.Ok;
        });
        return command;
    }

    internal static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("F0", CultureInfo.InvariantCulture);

    private static Command CreateCapture()
    {
        var source = new BenchModelOptions();
        var prompts = new Option<int>("--prompts") { Description = "Prompts to time.", DefaultValueFactory = _ => 344 };
        var tokens = new Option<int>("--tokens") { Description = "Tokens per prompt.", DefaultValueFactory = _ => 48 };
        var batch = new Option<int>("--batch") { Description = "Prompts per forward pass.", DefaultValueFactory = _ => 32 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("capture", "All-layer last-token residual capture of random prompts: prompts/s, tokens/s, peak memory.");
        source.AddTo(command);
        foreach (Option option in new Option[] { prompts, tokens, batch, json })
        {
            command.Add(option);
        }

        command.SetAction(async (parsed, cancellation) =>
        {
            (CausalLM lm, string name, TorchRuntimeInfo info, string dtypeName) = source.Load(parsed, "bench capture");
            CaptureMeasurement m;
            long weightBytes = lm.WeightBytes;
            using (lm)
            {
                m = CaptureBenchmark.Run(lm, parsed.GetValue(prompts), parsed.GetValue(tokens), parsed.GetValue(batch), source.Seed(parsed));
            }

            TextWriter output = parsed.InvocationConfiguration.Output;
            if (parsed.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    model = name,
                    prompts = m.Prompts,
                    tokens = m.Tokens,
                    batch = m.Batch,
                    dtype = dtypeName,
                    weight_bytes = weightBytes,
                    threads = info.TorchThreads,
                    seconds = Math.Round(m.Seconds, 3),
                    prompts_per_s = Math.Round(m.PromptsPerSecond, 2),
                    tokens_per_s = Math.Round(m.TokensPerSecond, 1),
                    peak_memory_bytes = m.PeakMemoryBytes,
                    device = m.Device,
                    checksum = m.Checksum,
                }));
            }
            else
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: {m.Prompts} prompts x {m.Tokens} tokens, batch {m.Batch}, {dtypeName}, {info.TorchThreads} threads on {m.Device}\n" +
                    $"  {m.PromptsPerSecond:F2} prompts/s, {m.TokensPerSecond:F0} tokens/s, {m.Seconds:F2} s, weights {Mib(weightBytes)} MiB, peak memory {Mib(m.PeakMemoryBytes)} MiB"));
            }

            return GeodeCli.Ok;
        });
        return command;
    }
}
