using System.Diagnostics;
using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Analysis.Surgery;
using Geode.Model;
using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Text;
using static TorchSharp.torch;

namespace Geode.Analysis.Benchmarks;

/// <summary>What <see cref="SweepBenchmark.Run"/> measured: the same grid evaluated one variant at a time and all together.</summary>
/// <param name="Variants">Variants in the grid.</param>
/// <param name="Prompts">Prompts each variant answers.</param>
/// <param name="Batch">Rows per batch of the packed run.</param>
/// <param name="OneAtATimeRuns">Wall and processor seconds of each one-at-a-time run (a batch holds one variant's prompts).</param>
/// <param name="PackedRuns">Wall and processor seconds of each packed run (every (variant, prompt) row in shared batches), run alternately with the former.</param>
/// <param name="OneAtATimeTokens">Tokens generated one variant at a time.</param>
/// <param name="PackedTokens">Tokens generated packed.</param>
/// <param name="SettledRows">Packed rows stopped early with their verdicts settled.</param>
/// <param name="VerdictsCompared">Verdicts compared (rows × judges × packed runs).</param>
/// <param name="VerdictsDiffering">Verdicts of a packed run that differ from the one-at-a-time run's.</param>
/// <param name="ParallelBatches">Packed batches run side by side.</param>
public sealed record SweepMeasurement(
    int Variants,
    int Prompts,
    int Batch,
    IReadOnlyList<(double Wall, double Cpu)> OneAtATimeRuns,
    IReadOnlyList<(double Wall, double Cpu)> PackedRuns,
    long OneAtATimeTokens,
    long PackedTokens,
    int SettledRows,
    int VerdictsCompared,
    int VerdictsDiffering,
    int ParallelBatches)
{
    /// <summary>Median wall time of the one-at-a-time runs.</summary>
    public double OneAtATimeSeconds => Median(OneAtATimeRuns.Select(r => r.Wall));

    /// <summary>Median wall time of the packed runs.</summary>
    public double PackedSeconds => Median(PackedRuns.Select(r => r.Wall));

    /// <summary>Median processor time (all threads) of the one-at-a-time runs: steadier than wall time on a shared machine.</summary>
    public double OneAtATimeCpuSeconds => Median(OneAtATimeRuns.Select(r => r.Cpu));

    /// <summary>Median processor time of the packed runs.</summary>
    public double PackedCpuSeconds => Median(PackedRuns.Select(r => r.Cpu));

    /// <summary>Packed wall time as a fraction of one-at-a-time wall time: the median over repeats of each adjacent pair's ratio, so a machine that speeds up or slows down between pairs does not bias it.</summary>
    public double CostRatio => Median(PackedRuns.Zip(OneAtATimeRuns, (p, o) => p.Wall / o.Wall));

    /// <summary>The same ratio in processor time.</summary>
    public double CpuCostRatio => Median(PackedRuns.Zip(OneAtATimeRuns, (p, o) => p.Cpu / o.Cpu));

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>
/// The sweep acceptance benchmark: a grid of α × layer-subset variants of the standard direction,
/// evaluated on a handful of prompts the way the field does (one variant at a time) and the way
/// Geode does (every row its own edit, rows packed by length into shared batches, optionally
/// stopping rows whose verdicts are settled). The verdicts of both runs are compared one by one.
/// </summary>
public static class SweepBenchmark
{
    /// <summary>The nine strengths of the grid.</summary>
    public static IReadOnlyList<double> Alphas { get; } = [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5];

    /// <summary>The nine layer subsets of the grid.</summary>
    public static IReadOnlyList<LayerSubset> Subsets { get; } =
    [
        LayerSubset.All, LayerSubset.Sliding, LayerSubset.GlobalAttention, LayerSubset.FirstHalf, LayerSubset.SecondHalf,
        LayerSubset.Middle, LayerSubset.LastN(1), LayerSubset.LastN(2), LayerSubset.Band(1, 3),
    ];

    /// <summary>
    /// The grid's edits: the diff-of-means direction of <paramref name="refuse"/> against
    /// <paramref name="comply"/> at its peak layer, projected out of o_proj and down_proj at every
    /// (α, subset). Subsets that resolve to no layer on this model are skipped.
    /// </summary>
    public static IReadOnlyList<Edit> Grid(CausalLM model, TextTokenizer tokenizer, IChatTemplate template, PromptSet refuse, PromptSet comply)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        Tensor refused = PromptActivations.Capture(model, tokenizer, template, [.. refuse.Records.Select(r => r.Prompt)]);
        Tensor complied = PromptActivations.Capture(model, tokenizer, template, [.. comply.Records.Select(r => r.Prompt)]);
        Tensor direction = StandardRecipe.FindDirection(refused, complied).Direction;
        ModelConfig config = model.Config;
        return
        [
            .. from subset in Subsets
               where subset.Resolve(config).Count > 0
               from alpha in Alphas
               select EditBuilder.Projection(config, direction, subset, EditBuilder.StandardWriters, alpha, name: $"{subset} α={alpha}"),
        ];
    }

    /// <summary>Evaluates <paramref name="edits"/> on <paramref name="prompts"/> both ways, <paramref name="repeats"/> times in turn, and compares the verdicts.</summary>
    public static SweepMeasurement Run(
        CausalLM model,
        TextTokenizer tokenizer,
        IChatTemplate template,
        PromptSet prompts,
        IReadOnlyList<IResponseJudge> judges,
        IReadOnlyList<Edit> edits,
        BaselineOptions options,
        int repeats = 1)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(edits);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);

        // Warm up once (first-call costs of the allocator and kernels are not either run's).
        VariantEvaluator.Run(model, tokenizer, template, prompts, judges, [edits[0]], options with { EarlyStop = false });

        using var process = Process.GetCurrentProcess();
        var single = new List<BaselineResult>();
        IReadOnlyList<BaselineResult> packed = [];
        var singleRuns = new List<(double, double)>();
        var packedRuns = new List<(double, double)>();
        int compared = 0, differing = 0;
        for (int repeat = 0; repeat < repeats; repeat++)
        {
            singleRuns.Add(Measure(process, () =>
            {
                single.Clear();
                foreach (Edit edit in edits)
                {
                    single.Add(VariantEvaluator.Run(model, tokenizer, template, prompts, judges, [edit], options with { BatchSize = prompts.Records.Count, EarlyStop = false, AutoBatch = false, ParallelBatches = 1 })[0]);
                }
            }));
            packedRuns.Add(Measure(process, () => packed = VariantEvaluator.Run(model, tokenizer, template, prompts, judges, [.. edits], options)));
            for (int v = 0; v < edits.Count; v++)
            {
                for (int p = 0; p < prompts.Records.Count; p++)
                {
                    IReadOnlyList<JudgeVerdict> a = single[v].Responses[p].Verdicts, b = packed[v].Responses[p].Verdicts;
                    for (int j = 0; j < a.Count; j++)
                    {
                        compared++;
                        differing += a[j].Refused == b[j].Refused ? 0 : 1;
                    }
                }
            }
        }

        return new SweepMeasurement(
            edits.Count,
            prompts.Records.Count,
            options.BatchSize,
            singleRuns,
            packedRuns,
            single.Sum(r => r.Responses.Sum(x => (long)x.Tokens)),
            packed.Sum(r => r.Responses.Sum(x => (long)x.Tokens)),
            packed.Sum(r => r.Responses.Count(x => x.Settled)),
            compared,
            differing,
            VariantEvaluator.Workers(model, options, edits.Count * prompts.Records.Count));
    }

    private static (double Wall, double Cpu) Measure(Process process, Action run)
    {
        process.Refresh();
        TimeSpan cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        run();
        double wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpu).TotalSeconds);
    }
}
