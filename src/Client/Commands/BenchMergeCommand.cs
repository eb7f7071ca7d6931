using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Geode.Model;
using Geode.Model.Benchmarks;
using Geode.Model.Native;

namespace Geode.Client.Commands;

/// <summary><c>geode bench merge</c>: how fast a rank-k edit is merged into every writer weight.</summary>
internal static class BenchMergeCommand
{
    public static Command Create()
    {
        var source = new BenchModelOptions();
        var rank = new Option<int>("--rank") { Description = "Rank of the removed subspace.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("merge", "Merge a random rank-k projection into every writer of every layer: seconds, GB/s, peak memory.");
        source.AddTo(command);
        command.Add(rank);
        command.Add(json);
        command.SetAction(async (parsed, cancellation) =>
        {
            (CausalLM lm, string name, TorchRuntimeInfo info, string dtypeName) = source.Load(parsed, "bench merge");
            MergeMeasurement m;
            using (lm)
            {
                m = MergeBenchmark.Run(lm, parsed.GetValue(rank), source.Seed(parsed));
            }

            TextWriter output = parsed.InvocationConfiguration.Output;
            await output.WriteLineAsync(parsed.GetValue(json)
                ? JsonSerializer.Serialize(new
                {
                    model = name,
                    rank = m.Rank,
                    writers = m.Writers,
                    writer_bytes = m.WriterBytes,
                    dtype = dtypeName,
                    threads = info.TorchThreads,
                    seconds = Math.Round(m.Seconds, 3),
                    gigabytes_per_s = Math.Round(m.BytesPerSecond / 1e9, 3),
                    peak_memory_bytes = m.PeakMemoryBytes,
                    device = m.Device,
                })
                : string.Create(CultureInfo.InvariantCulture,
                    $"{name}: rank-{m.Rank} projection merged into {m.Writers} writers ({BenchCommand.Mib(m.WriterBytes)} MiB), {dtypeName}, {info.TorchThreads} threads on {m.Device}\n" +
                    $"  {m.Seconds:F3} s, {m.BytesPerSecond / 1e9:F2} GB/s, peak memory {BenchCommand.Mib(m.PeakMemoryBytes)} MiB"));
            return GeodeCli.Ok;
        });
        return command;
    }
}
