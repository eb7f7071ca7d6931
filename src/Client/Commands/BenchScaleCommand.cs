using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Geode.Client.Cluster;
using Geode.Grains.Campaigns;
using Geode.Grains.Workers;
using Geode.Model;
using Geode.Model.Native;
using Geode.Silo.Hosting;

namespace Geode.Client.Commands;

/// <summary>
/// <c>geode bench scale</c>: a capture campaign on 1, 2, 4, … in-process silos whose model workers
/// are replaced by a simulated device (fixed seconds per prompt), to measure what the cluster adds:
/// parallel efficiency, the coordinator's time per shard, and how pulling work balances silos of
/// different speeds. Numbers, not tests: it prints what it measured and judges nothing.
/// </summary>
internal static class BenchScaleCommand
{
    public static Command Create()
    {
        var silos = new Option<string>("--silos") { Description = "Silo counts to run, comma-separated.", HelpName = "N,N,…", DefaultValueFactory = _ => "1,2,4,8,16" };
        var prompts = new Option<int>("--prompts") { Description = "Prompts in the captured set.", DefaultValueFactory = _ => 10_000 };
        var seconds = new Option<double>("--seconds-per-prompt") { Description = "Simulated device time per prompt, in seconds.", HelpName = "S", DefaultValueFactory = _ => 0.005 };
        var slow = new Option<double>("--slow-factor") { Description = "Make half the silos (rounded down) this many times slower; 1 = all alike.", HelpName = "F", DefaultValueFactory = _ => 1.0 };
        var batch = new Option<int>("--batch") { Description = "The campaign's batch: the largest shard.", DefaultValueFactory = _ => 32 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("scale", "Capture on N in-process silos with a simulated device: parallel efficiency, coordinator ms per shard, balance of fast and slow silos.");
        foreach (Option option in new Option[] { silos, prompts, seconds, slow, batch, json })
        {
            command.Add(option);
        }

        command.SetAction(async (parsed, cancellation) =>
        {
            var settings = new ScaleSettings(
                ParseSilos(parsed.GetValue(silos)!),
                Positive(parsed.GetValue(prompts), "--prompts"),
                parsed.GetValue(seconds) is > 0 and <= 10 and double s ? s : throw new BadInputException("--seconds-per-prompt: give a number of seconds in (0, 10], e.g. 0.005.", "--seconds-per-prompt"),
                parsed.GetValue(slow) is >= 1 and <= 100 and double f ? f : throw new BadInputException("--slow-factor: give a factor in [1, 100]; 1 makes every silo alike, 2 makes half of them twice as slow.", "--slow-factor"),
                Positive(parsed.GetValue(batch), "--batch"));
            TorchRuntime.Initialize(TorchRuntimeOptions.Default);
            TextWriter error = parsed.InvocationConfiguration.Error;
            var runs = new List<ScaleRun>();
            foreach (int count in settings.Silos)
            {
                ScaleRun run = await Run(settings, count, cancellation);
                runs.Add(run);
                await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"bench scale: {count} silos: {run.WallSeconds:F2} s (ideal {run.IdealSeconds:F2} s)"));
            }

            TextWriter output = parsed.InvocationConfiguration.Output;
            await output.WriteLineAsync(parsed.GetValue(json) ? Json(settings, runs) : Table(settings, runs));
            return GeodeCli.Ok;
        });
        return command;
    }

    private static async Task<ScaleRun> Run(ScaleSettings settings, int count, CancellationToken cancellation)
    {
        SimulatedDevice[] devices = [.. Enumerable.Range(0, count).Select(i => new SimulatedDevice(settings.SecondsPerPrompt, Slowdown(settings, count, i)))];
        string folder = Path.Combine(Path.GetTempPath(), $"geode-bench-scale-{Guid.NewGuid():N}");
        try
        {
            await using SimulatedCluster cluster = await SimulatedCluster.StartAsync(devices, cancellation);
            CampaignRequest request = SimulatedCampaign.Write(folder, $"bench-scale-{count}-{Guid.NewGuid():N}", settings.Prompts, settings.Batch);
            ICampaignGrain grain = cluster.Grains.GetGrain<ICampaignGrain>(request.Id);
            CampaignStatus status = await grain.Start(request);
            long peakWorkingSet = Environment.WorkingSet;
            try
            {
                while (!status.IsFinished)
                {
                    await Task.Delay(200, cancellation);
                    status = await grain.Status();
                    peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
                }
            }
            catch (OperationCanceledException)
            {
                await grain.Cancel();
                throw;
            }

            if (status.Phase != CampaignPhase.Succeeded)
            {
                throw new InvalidOperationException($"bench scale: the {count}-silo capture {status.Phase.ToString().ToLowerInvariant()}: {status.Error}");
            }

            double speeds = devices.Sum(d => 1 / d.Slowdown);
            Dictionary<string, int> units = cluster.Names.ToDictionary(n => n, n => status.Silos.GetValueOrDefault(n));
            return new ScaleRun(
                count,
                devices.Count(d => d.Slowdown > 1),
                status.RoundSeconds.GetValueOrDefault("capture/shards"),
                status.Seconds,
                settings.Prompts * settings.SecondsPerPrompt / speeds,
                (settings.Prompts + Math.Max(1, status.Merged) - 1) / Math.Max(1, status.Merged),
                status.Merged,
                status.CoordinatorSeconds * 1000 / Math.Max(1, status.Merged),
                status.CoordinatorWallSeconds * 1000 / Math.Max(1, status.Merged),
                units,
                status.Backups,
                status.Duplicates,
                status.Retries,
                peakWorkingSet);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>The second half of the silos (so one silo is never slow) run <see cref="ScaleSettings.SlowFactor"/> times slower.</summary>
    private static double Slowdown(ScaleSettings settings, int count, int index) => index >= count - (count / 2) ? settings.SlowFactor : 1;

    private static string Table(ScaleSettings settings, IReadOnlyList<ScaleRun> runs)
    {
        double? single = runs.FirstOrDefault(r => r.Silos == 1)?.WallSeconds;
        bool alike = settings.SlowFactor == 1;
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"capture of {settings.Prompts} prompts, {settings.SecondsPerPrompt} s/prompt simulated, batch {settings.Batch}, ") +
                (alike ? "every silo alike" : string.Create(CultureInfo.InvariantCulture, $"half the silos {settings.SlowFactor}x slower")),
            $"{"silos",5} {"slow",4} {"wall s",8} {"ideal s",8} {"ideal/wall",10} {"T1/(N*TN)",9} {"shards",6} {"size",4} {"coord ms/shard cpu wall",23} {"units per silo (min-max)",24} {"backups",7} {"dups",4} {"peak MiB",8}",
        };
        foreach (ScaleRun r in runs)
        {
            string parallel = alike && single is double t1 ? (t1 / (r.Silos * r.WallSeconds)).ToString("P1", CultureInfo.InvariantCulture) : "-";
            string spread = string.Create(CultureInfo.InvariantCulture, $"{r.Units.Values.Min()}-{r.Units.Values.Max()}");
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{r.Silos,5} {r.Slow,4} {r.WallSeconds,8:F2} {r.IdealSeconds,8:F2} {r.IdealSeconds / r.WallSeconds,10:P1} {parallel,9} {r.Shards,6} {r.ShardSize,4} {r.CoordinatorMsPerShard,15:F2} {r.CoordinatorWallMsPerShard,7:F2} {spread,24} {r.Backups,7} {r.Duplicates,4} {r.PeakWorkingSet / 1048576.0,8:F0}"));
        }

        lines.Add("wall: the capture round, first lease to last merge; ideal: prompts x s/prompt / sum of silo speeds;");
        lines.Add("coord ms/shard: the coordinator's own work per merged shard, CPU time of its thread and wall time (waits excluded);");
        lines.Add("peak MiB: this process's largest working set while the campaign ran, sampled every 200 ms (all silos share it).");
        return string.Join(Environment.NewLine, lines);
    }

    private static string Json(ScaleSettings settings, IReadOnlyList<ScaleRun> runs)
    {
        double? single = runs.FirstOrDefault(r => r.Silos == 1)?.WallSeconds;
        return JsonSerializer.Serialize(new
        {
            prompts = settings.Prompts,
            seconds_per_prompt = settings.SecondsPerPrompt,
            slow_factor = settings.SlowFactor,
            batch = settings.Batch,
            runs = runs.Select(r => new
            {
                silos = r.Silos,
                slow_silos = r.Slow,
                wall_seconds = Math.Round(r.WallSeconds, 3),
                campaign_seconds = Math.Round(r.CampaignSeconds, 3),
                ideal_seconds = Math.Round(r.IdealSeconds, 3),
                efficiency_vs_ideal = Math.Round(r.IdealSeconds / r.WallSeconds, 4),
                parallel_efficiency = settings.SlowFactor == 1 && single is double t1 ? Math.Round(t1 / (r.Silos * r.WallSeconds), 4) : (double?)null,
                shards = r.Shards,
                shard_size = r.ShardSize,
                coordinator_ms_per_shard = Math.Round(r.CoordinatorMsPerShard, 3),
                coordinator_wall_ms_per_shard = Math.Round(r.CoordinatorWallMsPerShard, 3),
                units_per_silo = r.Units,
                backups = r.Backups,
                duplicates = r.Duplicates,
                retries = r.Retries,
                peak_working_set_bytes = r.PeakWorkingSet,
            }),
        });
    }

    private static int[] ParseSilos(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        int[] counts = [.. parts.Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 64 ? n : -1)];
        if (counts.Length == 0 || counts.Contains(-1))
        {
            throw new BadInputException($"--silos: '{text}' is not a list of silo counts in 1..64, e.g. 1,2,4,8,16.", "--silos");
        }

        return counts;
    }

    private static int Positive(int value, string flag) =>
        value >= 1 ? value : throw new BadInputException($"{flag}: {value.ToString(CultureInfo.InvariantCulture)} is not a positive whole number.", flag);

    private sealed record ScaleSettings(int[] Silos, int Prompts, double SecondsPerPrompt, double SlowFactor, int Batch);

    private sealed record ScaleRun(int Silos, int Slow, double WallSeconds, double CampaignSeconds, double IdealSeconds, int ShardSize, int Shards, double CoordinatorMsPerShard, double CoordinatorWallMsPerShard, Dictionary<string, int> Units, int Backups, int Duplicates, int Retries, long PeakWorkingSet);
}
