using System.CommandLine;
using System.Globalization;
using Geode.Analysis.Forensics;
using Geode.Model;
using Geode.Model.Benchmarks;
using Geode.Model.Checkpoints;
using Geode.Model.Native;

namespace Geode.Client.Commands;

/// <summary>
/// <c>geode diff --base DIR --fork DIR [--fork DIR…] [--directions FILE] [--tolerance T] --out DIR</c>:
/// weight-diff forensics of forks against their base, tensor by tensor; writes <c>DIR/diff.json</c>
/// (see <see cref="DiffJson"/>) and prints a summary.
/// </summary>
internal static class DiffCommand
{
    public static Command Create()
    {
        var runtime = new RuntimeOptions();
        var baseFolder = new Option<string>("--base") { Description = "The base checkpoint folder (with config.json).", HelpName = "DIR", Required = true };
        var forks = new Option<string[]>("--fork") { Description = "A fork's checkpoint folder; repeat for several.", HelpName = "DIR", Required = true, Arity = ArgumentArity.OneOrMore };
        var directions = new Option<string?>("--directions")
        {
            Description = "A safetensors file of labelled directions, each [H] or [L+1, H] (row i+1 for layer i).",
            HelpName = "FILE",
        };
        var tolerance = new Option<double>("--tolerance")
        {
            Description = "A tensor is changed when max |ΔW| exceeds this (default 0: any stored value that differs).",
            HelpName = "T",
            DefaultValueFactory = _ => 0,
        };
        var output = new Option<string>("--out") { Description = "The folder to write diff.json into (created if missing).", HelpName = "DIR", Required = true };
        var command = new Command("diff", "Weight-diff forensics: which tensors forks changed, the SVD of each ΔW, cosines with directions and across forks.");
        command.Add(baseFolder);
        command.Add(forks);
        command.Add(directions);
        command.Add(tolerance);
        command.Add(output);
        runtime.AddTo(command);
        command.SetAction(async (parsed, cancellation) =>
        {
            string basePath = parsed.GetValue(baseFolder)!;
            string[] forkPaths = parsed.GetValue(forks)!;
            string? directionsPath = parsed.GetValue(directions);
            double tol = parsed.GetValue(tolerance);
            string outFolder = parsed.GetValue(output)!;
            CheckInputs(basePath, forkPaths, directionsPath, tol, outFolder);

            TorchRuntime.Initialize(runtime.Read(parsed));
            IReadOnlyList<TensorDiff> records = WeightDiff.Compare(basePath, forkPaths, directionsPath, DiffOptions.Default with { Tolerance = tol });
            Directory.CreateDirectory(outFolder);
            string json = Path.Combine(outFolder, "diff.json");
            DiffJson.Write(records, json);

            TextWriter writer = parsed.InvocationConfiguration.Output;
            await writer.WriteLineAsync($"wrote {Path.GetFullPath(json)} ({records.Count} records)");
            await WriteSummaryAsync(writer, records);

            // Printed so the claim that a diff streams tensor by tensor can be checked from outside.
            await writer.WriteLineAsync($"peak resident memory: {ProcessMemory.PeakResidentBytes() / (1024.0 * 1024.0):0} MiB");
            return GeodeCli.Ok;
        });
        return command;
    }

    /// <summary>Fails on bad flags and missing folders before torch starts.</summary>
    private static void CheckInputs(string basePath, string[] forkPaths, string? directionsPath, double tolerance, string outFolder)
    {
        ModelFolder.Check(basePath, "--base");
        foreach (string fork in forkPaths)
        {
            if (!Directory.Exists(fork))
            {
                throw new BadInputException($"--fork {fork}: no such folder; expected a Hugging Face checkpoint folder.", "--fork");
            }

            using CheckpointFolder checkpoint = CheckpointFolder.Open(fork);
        }

        if (directionsPath is not null && !File.Exists(directionsPath))
        {
            throw new BadInputException($"--directions {directionsPath}: no such file; expected a safetensors file of [H] or [L+1, H] directions.", "--directions");
        }

        if (!(tolerance >= 0) || double.IsInfinity(tolerance))
        {
            throw new BadInputException($"--tolerance {tolerance.ToString(CultureInfo.InvariantCulture)}: must be a finite number ≥ 0.", "--tolerance");
        }

        if (File.Exists(outFolder))
        {
            throw new BadInputException($"--out {outFolder}: is a file; expected a folder for diff.json.", "--out");
        }
    }

    private static async Task WriteSummaryAsync(TextWriter writer, IReadOnlyList<TensorDiff> records)
    {
        await writer.WriteLineAsync();
        await writer.WriteLineAsync($"{"fork",-24} {"changed",8} {"unused",7} {"base-only",10} {"fork-only",10} {"rank95 med",11}  layers touched");
        IReadOnlyList<ForkSummary> summaries = ForkSummary.Of(records);
        foreach (ForkSummary s in summaries)
        {
            string median = s.MedianRank95 is double m ? m.ToString("0.#", CultureInfo.InvariantCulture) : "-";
            await writer.WriteLineAsync(
                $"{s.Fork,-24} {s.Changed,8} {s.Unused,7} {s.OnlyInBase,10} {s.OnlyInFork,10} {median,11}  {Ranges(s.LayersTouched)} ({s.LayersTouched.Count} layers)");
        }

        await writer.WriteLineAsync();
        await writer.WriteLineAsync("changed tensors by kind:");
        foreach (ForkSummary s in summaries)
        {
            string kinds = s.ChangedByKind.Count == 0 ? "none" : string.Join(", ", s.ChangedByKind.Select(k => $"{k.Key} {k.Value}"));
            await writer.WriteLineAsync($"  {s.Fork,-22} {kinds}");
        }

        IReadOnlyList<ForkPairSummary> pairs = ForkPairSummary.Of(records);
        if (pairs.Count > 0)
        {
            await writer.WriteLineAsync();
            await writer.WriteLineAsync("fork vs fork, |cos| of top left singular vectors over tensors both changed:");
            foreach (ForkPairSummary p in pairs)
            {
                string median = p.MedianCosine is double m ? m.ToString("0.000", CultureInfo.InvariantCulture) : "-";
                string mean = p.MeanCosine is double a ? a.ToString("0.000", CultureInfo.InvariantCulture) : "-";
                await writer.WriteLineAsync($"  {p.ForkA} ~ {p.ForkB}: {p.SharedTensors} shared, median {median}, mean {mean}");
            }
        }
    }

    /// <summary>Layer numbers as ranges: 0-3,7,9-11.</summary>
    private static string Ranges(IReadOnlyList<int> layers)
    {
        if (layers.Count == 0)
        {
            return "none";
        }

        var parts = new List<string>();
        int start = layers[0], end = layers[0];
        foreach (int layer in layers.Skip(1).Append(int.MinValue))
        {
            if (layer == end + 1)
            {
                end = layer;
                continue;
            }

            parts.Add(start == end ? $"{start}" : $"{start}-{end}");
            start = end = layer;
        }

        return string.Join(",", parts);
    }
}
