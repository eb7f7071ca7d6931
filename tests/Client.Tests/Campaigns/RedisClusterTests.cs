using System.Diagnostics;
using System.Text.Json.Nodes;
using Geode.Campaigns.Execution;
using Geode.Client.Cluster;
using Geode.Grains.Campaigns;
using Geode.Model.Checkpoints;
using Geode.Model.Native;
using Geode.Tests;
using static TorchSharp.torch;

namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// Cluster mode against a real Redis: <c>geode silo --redis</c> processes and a <c>geode run
/// --cluster</c> client. The client is killed at once, every silo is stopped and replaced mid-capture,
/// then one silo is killed mid-capture; the campaign still finishes, <c>geode watch</c> re-attaches,
/// finished shards are not run again, and the activation store holds every prompt exactly once —
/// the same activations an embedded run captures.
/// </summary>
[Collection(CampaignCollection.Name)]
public sealed class RedisClusterTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private const int Prompts = 340;
    private const int InFlight = 8;

    [Fact]
    public async Task A_campaign_survives_a_dead_client_a_full_restart_and_a_killed_silo()
    {
        using var folder = new TempFolder();
        string file = folder.File("redis.yaml");
        await File.WriteAllTextAsync(file, $"""
            name: redis
            model:
              path: {Path.Combine(RepositoryPaths.Root, "models", "organism")}
            judges: [regex]
            generation: {"{"}max_new_tokens: 16, batch: 1{"}"}
            stages:
              baseline: {"{"}categories: [safe_control]{"}"}
              capture: {"{"}position: last, input: template{"}"}
              geometry: {"{"}random_directions: 2{"}"}
            """);
        string outDir = folder.File("cluster");
        var silos = new List<SiloProcess>();
        try
        {
            silos.AddRange(await Task.WhenAll(SiloProcess.StartAsync(redis.Endpoint), SiloProcess.StartAsync(redis.Endpoint)));

            // The client starts the campaign and dies; the campaign lives in the cluster.
            string id = await StartAndKillClient(file, outDir);
            CampaignStatus before = await WaitFor(id, s => s.Stage == "capture" && s.Done >= 40);

            // Every silo stops; two new ones resume from Redis without losing finished shards.
            await Task.WhenAll(silos.Select(s => s.StopAsync()));
            silos.AddRange(await Task.WhenAll(SiloProcess.StartAsync(redis.Endpoint), SiloProcess.StartAsync(redis.Endpoint)));
            CampaignStatus resumed = await WaitFor(id, s => true);
            Assert.True(resumed.StageIndex > before.StageIndex || resumed.Done >= before.Done, $"resumed at {resumed.Stage} {resumed.Done}, stopped at {before.Done}");

            // One silo dies mid-capture; its shards go to the other.
            CampaignStatus atKill = await WaitFor(id, s => s.Stage != "capture" || s.Done >= before.Done + 60);
            Assert.Equal("capture", atKill.Stage);
            silos[^1].Kill();

            // A new client re-attaches and follows the campaign to the end.
            CliResult watched = await RunToEnd(["watch", id, "--cluster", $"redis://{redis.Endpoint}"]);
            Assert.True(watched.ExitCode == 0, watched.Error);
            Assert.Contains("# Campaign redis", watched.Output);

            CampaignStatus final = await WaitFor(id, s => s.IsFinished);
            Assert.Equal(CampaignPhase.Succeeded, final.Phase);
            int merged = final.Silos.Values.Sum();
            Assert.Equal(40 + Prompts + 1, merged);
            // Launches = merged units + failed attempts (retried) + backup copies at the end of a
            // round + what was in flight when a coordinator went down (two per silo, at most
            // InFlight each time: the full stop, and the kill if the coordinator lived on that
            // silo). Re-running the finished shards — 40+ of them at the stop — would exceed that.
            Assert.True(final.Launched - merged - final.Retries - final.Backups <= 2 * InFlight, $"{final.Launched} launched, {merged} merged, {final.Retries} retried, {final.Backups} backups: finished shards were run again");
            Assert.True(final.Silos.Count >= 3, string.Join(", ", final.Silos.Keys));

            // status answers for the finished campaign, and an unknown id is bad input.
            CliResult status = await CliRunner.RunAsync("status", id, "--cluster", $"redis://{redis.Endpoint}", "--json");
            Assert.True(status.ExitCode == 0, status.Error);
            Assert.Equal("succeeded", (string?)JsonNode.Parse(status.Output)!["phase"]);
            CliResult unknown = await CliRunner.RunAsync("status", "no-such-campaign", "--cluster", $"redis://{redis.Endpoint}");
            Assert.Equal(2, unknown.ExitCode);
            Assert.Contains("no campaign with that id", unknown.Error);

            // Every prompt's activations exactly once, and the same as an embedded run's.
            CliResult embedded = await CliRunner.RunAsync("run", file, "--out", folder.File("embedded"), "--store", folder.File("embedded-store"), "--json", "--no-progress");
            Assert.True(embedded.ExitCode == 0, embedded.Error);
            using var scope = NewDisposeScope();
            Tensor cluster = Activations(outDir), local = Activations(folder.File("embedded"));
            Assert.Equal(new long[] { 7, Prompts, 128 }, cluster.shape);
            Assert.True(cluster.allclose(local, rtol: 1e-4, atol: 1e-5), $"max |Δ| {(cluster - local).abs().max().item<float>()}");
            JsonNode results = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "results.json")))!;
            JsonNode expected = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder.File("embedded"), "results.json")))!;
            Assert.Equal(expected["baseline"]!.ToJsonString(), results["baseline"]!.ToJsonString());
            Assert.Equal((int)expected["geometry"]!["peak_layer"]!, (int)results["geometry"]!["peak_layer"]!);

            // The layer aggregators, whose state also lived in Redis through the restart, counted every prompt once.
            JsonNode aggregates = results["capture"]!["layer_aggregates"]!;
            Assert.All(aggregates["prompts_counted"]!.AsArray(), n => Assert.Equal(Prompts, (int)n!));
            Assert.True((double)aggregates["max_abs_mean_difference_vs_store"]! < 1e-5);
        }
        catch
        {
            foreach (SiloProcess silo in silos)
            {
                Console.Error.WriteLine(silo.Log);
            }

            throw;
        }
        finally
        {
            foreach (SiloProcess silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private static Tensor Activations(string outDir)
    {
        string relative = (string)JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!["capture"]!["file"]!;
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        using SafetensorsFile file = SafetensorsFile.Open(Path.Combine(outDir, relative));
        return file.Read(ActivationStore.TensorName);
    }

    private async Task<string> StartAndKillClient(string file, string outDir)
    {
        using Process client = SiloProcess.Start(["run", file, "--out", outDir, "--cluster", $"redis://{redis.Endpoint}", "--no-progress"]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (await client.StandardError.ReadLineAsync(timeout.Token) is string line)
        {
            if (line.StartsWith("geode: campaign ", StringComparison.Ordinal))
            {
                client.Kill(entireProcessTree: true);
                await client.WaitForExitAsync(timeout.Token);
                return line["geode: campaign ".Length..].Split(' ')[0];
            }
        }

        throw new InvalidOperationException($"geode run exited ({client.ExitCode}) without starting the campaign: {await client.StandardOutput.ReadToEndAsync(timeout.Token)}");
    }

    private async Task<CampaignStatus> WaitFor(string id, Func<CampaignStatus, bool> until)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        Exception? last = null;
        while (!timeout.IsCancellationRequested)
        {
            try
            {
                await using GeodeHost host = await GeodeHost.Connect(redis.Endpoint, timeout.Token);
                ICampaignGrain grain = host.Client.GetGrain<ICampaignGrain>(id);
                while (!timeout.IsCancellationRequested)
                {
                    CampaignStatus status = await grain.Status();
                    if (until(status))
                    {
                        return status;
                    }

                    Assert.False(status.IsFinished, $"the campaign ended ({status.Phase}: {status.Error}) before the awaited state");
                    await Task.Delay(100, timeout.Token);
                }
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException && !timeout.IsCancellationRequested)
            {
                // No silo up yet, or the coordinator's silo just went away: connect again.
                last = e;
                await Task.Delay(500);
            }
        }

        throw new TimeoutException($"campaign {id} did not reach the awaited state: {last?.Message}");
    }

    private static async Task<CliResult> RunToEnd(string[] args)
    {
        using Process process = SiloProcess.Start(args);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await output, await error);
    }
}
