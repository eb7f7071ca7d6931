using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Geode.Analysis.Benchmarks;
using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Model;
using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Native;
using Geode.Model.Text;
using Geode.Model.Weights;

namespace Geode.Client.Commands;

/// <summary>
/// <c>geode bench sweep</c>: the 9 α × 9 layer-subset grid on a few prompts of a model with a
/// tokenizer, one variant at a time versus packed, with the verdicts compared.
/// </summary>
internal static class BenchSweepCommand
{
    public static Command Create()
    {
        var runtime = new RuntimeOptions();
        var model = new Option<string>("--model") { Description = "A checkpoint folder with tokenizer.json (e.g. models/organism).", HelpName = "DIR", Required = true };
        var prompts = new Option<int>("--prompts") { Description = "Prompts per variant, taken from the built-in benchmark a category at a time.", DefaultValueFactory = _ => 20 };
        var batch = new Option<int>("--batch") { Description = "Rows per batch of the packed run (256 measured fastest for the organism on 2 CPU cores).", DefaultValueFactory = _ => 256 };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Tokens generated per response.", DefaultValueFactory = _ => 128 };
        var judges = new Option<string>("--judges") { Description = "Judges, comma-separated.", DefaultValueFactory = _ => "regex,keyword" };
        var horizon = new Option<int?>("--judge-horizon") { Description = "Judges read only this many leading characters.", HelpName = "N" };
        var earlyStop = new Option<bool>("--early-stop") { Description = "Stop packed rows whose verdicts are settled." };
        var parallel = new Option<int?>("--parallel-batches") { Description = "Packed batches run side by side (default: one per CPU thread on a CPU, 1 on a GPU).", HelpName = "N" };
        var repeat = new Option<int>("--repeat") { Description = "Run both ways this many times, in turn; the cost ratio is the median of each pair's ratio.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("sweep", "A 9 alpha x 9 layer-subset sweep evaluated one variant at a time and packed: seconds, tokens, verdicts compared.");
        runtime.AddTo(command);
        foreach (Option option in new Option[] { model, prompts, batch, maxNewTokens, judges, horizon, earlyStop, parallel, repeat, json })
        {
            command.Add(option);
        }

        command.SetAction(async (parsed, cancellation) =>
        {
            string folder = parsed.GetValue(model)!;
            ModelConfig config = ModelFolder.Check(folder);
            int count = parsed.GetValue(prompts), size = parsed.GetValue(batch), limit = parsed.GetValue(maxNewTokens), repeats = parsed.GetValue(repeat);
            foreach ((string name, int value) in new[] { ("--prompts", count), ("--batch", size), ("--max-new-tokens", limit), ("--repeat", repeats) })
            {
                if (value < 1)
                {
                    throw new BadInputException($"{name} must be at least 1 (got {value}).", name);
                }
            }

            int? sideBySide = parsed.GetValue(parallel);
            if (sideBySide is < 1)
            {
                throw new BadInputException($"--parallel-batches must be at least 1 (got {sideBySide}).", "--parallel-batches");
            }

            int? characters = parsed.GetValue(horizon);
            if (characters is < 1)
            {
                throw new BadInputException($"--judge-horizon must be at least 1 (got {characters}).", "--judge-horizon");
            }

            IReadOnlyList<IResponseJudge> panel = JudgeRegistry.CreateResponseJudges(parsed.GetValue(judges)!.Split(','), "--judges", characters);
            string tokenizerPath = Path.Combine(folder, "tokenizer.json");
            if (!File.Exists(tokenizerPath))
            {
                throw new BadInputException($"--model {folder}: tokenizer.json is missing; a sweep generates text.", tokenizerPath);
            }

            PromptSet builtin = PromptSet.Builtin();
            PromptSet sample = RoundRobin(builtin, count);
            IChatTemplate template = ChatTemplates.ForModelType(config.ModelType);
            using TextTokenizer tokenizer = TextTokenizer.Load(tokenizerPath);
            TorchRuntimeInfo info = TorchRuntime.Initialize(runtime.Read(parsed));
            using CausalLM lm = ModelLoader.Load(folder, new LoadOptions(null, ModelFolder.DeviceOf(info.Device)));
            IReadOnlyList<Edit> grid = SweepBenchmark.Grid(
                lm, tokenizer, template, builtin.Where(r => r.Category == "should_refuse", "refuse"), builtin.Where(r => r.Category == "safe_control", "comply"));
            SweepMeasurement m = SweepBenchmark.Run(lm, tokenizer, template, sample, panel, grid, new BaselineOptions(limit, size) { EarlyStop = parsed.GetValue(earlyStop), ParallelBatches = sideBySide }, repeats);

            TextWriter output = parsed.InvocationConfiguration.Output;
            await output.WriteLineAsync(parsed.GetValue(json)
                ? JsonSerializer.Serialize(new
                {
                    model = folder,
                    variants = m.Variants,
                    prompts = m.Prompts,
                    batch = m.Batch,
                    early_stop = parsed.GetValue(earlyStop),
                    parallel_batches = m.ParallelBatches,
                    judges = panel.Select(j => $"{j.Name} {j.Version}"),
                    threads = info.TorchThreads,
                    device = info.Device.ToString(),
                    one_at_a_time_seconds = Math.Round(m.OneAtATimeSeconds, 2),
                    packed_seconds = Math.Round(m.PackedSeconds, 2),
                    repeats = m.PackedRuns.Count,
                    one_at_a_time_runs = m.OneAtATimeRuns.Select(r => Math.Round(r.Wall, 2)),
                    packed_runs = m.PackedRuns.Select(r => Math.Round(r.Wall, 2)),
                    cost_ratio = Math.Round(m.CostRatio, 3),
                    one_at_a_time_cpu_seconds = Math.Round(m.OneAtATimeCpuSeconds, 2),
                    packed_cpu_seconds = Math.Round(m.PackedCpuSeconds, 2),
                    cpu_cost_ratio = Math.Round(m.CpuCostRatio, 3),
                    one_at_a_time_tokens = m.OneAtATimeTokens,
                    packed_tokens = m.PackedTokens,
                    settled_rows = m.SettledRows,
                    verdicts_compared = m.VerdictsCompared,
                    verdicts_differing = m.VerdictsDiffering,
                })
                : string.Create(CultureInfo.InvariantCulture,
                    $"{m.Variants} variants x {m.Prompts} prompts, {info.TorchThreads} threads on {info.Device}\n" +
                    $"  one variant at a time: {m.OneAtATimeSeconds:F1} s, {m.OneAtATimeTokens} tokens\n" +
                    $"  packed (batch {m.Batch}, {m.ParallelBatches} side by side{(parsed.GetValue(earlyStop) ? ", early stop" : string.Empty)}): {m.PackedSeconds:F1} s, {m.PackedTokens} tokens, {m.SettledRows} rows settled early\n" +
                    $"  cost ratio {m.CostRatio:F3} (wall), {m.CpuCostRatio:F3} (processor time){(m.PackedRuns.Count > 1 ? $", median of {m.PackedRuns.Count} alternating pairs" : string.Empty)}; verdicts differing {m.VerdictsDiffering} of {m.VerdictsCompared}"));
            return GeodeCli.Ok;
        });
        return command;
    }

    /// <summary>The first <paramref name="count"/> prompts taken one category at a time in turn, so refusals and answers both appear.</summary>
    private static PromptSet RoundRobin(PromptSet set, int count)
    {
        var byCategory = set.Categories.Select(c => new Queue<PromptRecord>(set.Records.Where(r => r.Category == c))).ToList();
        var chosen = new HashSet<string>(StringComparer.Ordinal);
        while (chosen.Count < Math.Min(count, set.Records.Count))
        {
            foreach (Queue<PromptRecord> queue in byCategory.Where(q => q.Count > 0))
            {
                if (chosen.Count < count)
                {
                    chosen.Add(queue.Dequeue().Id);
                }
            }
        }

        return set.Where(r => chosen.Contains(r.Id), $"{count} prompts");
    }
}
