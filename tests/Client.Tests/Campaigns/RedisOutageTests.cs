using System.Diagnostics;
using System.Text.Json.Nodes;
using Geode.Analysis.Prompts;
using Geode.Campaigns.Artifacts;
using Geode.Client.Cluster;
using Geode.Grains.Campaigns;
using Geode.Tests;
using Xunit.Abstractions;

namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// Redis stops for 30 s in the middle of a cluster campaign's capture and comes back: the
/// campaign pauses (its status says it waits for storage, and no unit is merged meanwhile), then
/// resumes and succeeds with every prompt generated and captured exactly once. The silos keep
/// running on their last membership view throughout.
/// </summary>
/// <remarks>
/// Redis runs as deploy/k8s/base/redis.yaml runs it — an append-only file and no snapshots — and
/// is killed (SIGKILL: a crash, harsher than the SIGTERM of a pod restart), then started again on
/// the same port and data folder. Without persistence a restarted Redis would come back empty: no
/// membership for new clients to find the silos by, no campaign record for a new coordinator.
/// </remarks>
[Collection(CampaignCollection.Name)]
public sealed class RedisOutageTests(ITestOutputHelper log)
{
    private static readonly string[] Categories = ["should_refuse", "safe_control", "emergency_medical", "wilderness_survival"];
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);
    private const int PerCategory = 15;
    private const int Prompts = PerCategory * 4;

    [Fact]
    public async Task A_campaign_pauses_while_redis_is_down_for_30_s_and_resumes_counting_every_prompt_once()
    {
        using var folder = new TempFolder();
        string data = Directory.CreateDirectory(Path.Combine(folder.Path, "redis")).FullName;
        string campaign = await WriteCampaign(folder);
        string outDir = folder.File("out");
        var wall = Stopwatch.StartNew();
        await using RedisProcess redis = await RedisProcess.StartAsync(port => RedisProcess.Plain(port, "--appendonly", "yes", "--save", "", "--dir", data));
        var silos = new List<SiloProcess>();
        try
        {
            silos.AddRange(await Task.WhenAll(SiloProcess.StartAsync(redis.Endpoint), SiloProcess.StartAsync(redis.Endpoint)));
            using Process client = SiloProcess.Start(["run", campaign, "--out", outDir, "--store", folder.File("store"), "--cluster", $"redis://{redis.Endpoint}", "--json"]);
            Task<string> output = client.StandardOutput.ReadToEndAsync();
            string started = await StartLine(client);
            Task<string> error = client.StandardError.ReadToEndAsync();
            string id = started["geode: campaign ".Length..].Split(' ')[0];

            // A client of the test's own, connected while Redis is up: during the outage no new
            // client can find the silos (their gateways are listed in Redis), but this one keeps its gateways.
            await using GeodeHost host = await GeodeHost.Connect(redis.Endpoint, CancellationToken.None);
            ICampaignGrain grain = host.Client.GetGrain<ICampaignGrain>(id);
            CampaignStatus atKill = await Poll(grain, s => s.Stage == "capture" && s.Done >= 8, TimeSpan.FromMinutes(5));
            Assert.True(atKill.Stage == "capture" && atKill.Done < atKill.Total, $"Redis was to stop mid-capture, not at {atKill.Stage} {atKill.Done}/{atKill.Total}");

            await redis.KillAsync();
            var down = Stopwatch.StartNew();
            TimeSpan? pausedAfter = null;
            int? pausedAt = null;
            while (down.Elapsed < Outage)
            {
                CampaignStatus status = await grain.Status();
                Assert.False(status.IsFinished, $"the campaign ended while Redis was down: {status.Phase} {status.Error}");
                if (status.Waiting is not null)
                {
                    pausedAfter ??= down.Elapsed;
                    pausedAt ??= status.Done;
                    Assert.True(status.Done == pausedAt, $"{status.Done - pausedAt} prompts merged while the campaign said it was paused");
                    Assert.Equal("capture", status.Stage);
                }

                await Task.Delay(250);
            }

            Assert.True(pausedAfter is not null, "the campaign's status never said it was waiting for storage while Redis was down");
            await redis.RestartAsync();
            var back = Stopwatch.StartNew();
            CampaignStatus resumed = await Poll(grain, s => s.Waiting is null, TimeSpan.FromMinutes(2));
            TimeSpan resumedAfter = back.Elapsed;

            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            await client.WaitForExitAsync(timeout.Token);
            string stderr = await error;
            Assert.True(client.ExitCode == 0, stderr);
            Assert.Equal("succeeded", (string?)JsonNode.Parse(await output)!["phase"]);

            // The follower said the campaign was paused, then followed it to the end.
            Assert.Contains("paused: storage cannot be reached", stderr);

            // Every prompt once: the baseline's records, the capture's aggregates, the ledger.
            string[] expected = [.. Selected().Where(r => r.Category == "safe_control").Select(r => r.Id).Order(StringComparer.Ordinal)];
            JsonNode results = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "results.json")))!;
            string[] generated = [.. ResponseRecordStream.Read(Path.Combine(outDir, (string)results["baseline"]!["records"]!)).Select(r => r.Record.Record.Id).Order(StringComparer.Ordinal)];
            Assert.Equal(expected, generated);
            Assert.Equal(expected.Length, (int)results["baseline"]!["prompts"]!);
            Assert.Equal(Prompts, (int)results["capture"]!["prompts"]!);
            Assert.All(results["capture"]!["layer_aggregates"]!["prompts_counted"]!.AsArray(), n => Assert.Equal(Prompts, (int)n!));
            Assert.True((double)results["capture"]!["layer_aggregates"]!["max_abs_mean_difference_vs_store"]! < 1e-5);
            CampaignStatus final = await grain.Status();
            Assert.Equal(CampaignPhase.Succeeded, final.Phase);
            Assert.Equal(expected.Length + Prompts + 1, final.Silos.Values.Sum());

            // Membership: no silo was voted dead or stopped itself while the table was away.
            Assert.All(silos, silo => Assert.False(silo.HasExited, silo.Log));

            log.WriteLine($"Redis killed at capture {atKill.Done}/{atKill.Total}; status said paused {pausedAfter!.Value.TotalSeconds:F1} s after the kill at {pausedAt}/{atKill.Total}; " +
                $"resumed {resumedAfter.TotalSeconds:F1} s after the restart ({resumed.Done}/{resumed.Total}); paused {(Outage - pausedAfter.Value + resumedAfter).TotalSeconds:F1} s in all; " +
                $"{final.Retries} units retried, {final.Launched} launched for {final.Merged} merged; test wall {wall.Elapsed.TotalSeconds:F0} s");
        }
        catch
        {
            foreach (SiloProcess silo in silos)
            {
                log.WriteLine(silo.Log);
            }

            log.WriteLine(redis.Log);
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

    /// <summary>The campaign's prompts: the first fifteen of four categories of the built-in benchmark.</summary>
    private static IEnumerable<PromptRecord> Selected() =>
        Categories.SelectMany(category => PromptSet.Builtin().Records.Where(r => r.Category == category).Take(PerCategory));

    /// <summary>
    /// A campaign whose capture is long enough to stop Redis in (sixty one-prompt shards) and
    /// whose baseline is short (one category, eight tokens).
    /// </summary>
    private static async Task<string> WriteCampaign(TempFolder folder)
    {
        var prompts = new JsonArray();
        foreach (PromptRecord record in Selected())
        {
            prompts.Add(new JsonObject { ["id"] = record.Id, ["category"] = record.Category, ["expected"] = record.Expected == ExpectedBehavior.Refuse ? "refuse" : "comply", ["prompt"] = record.Prompt });
        }

        string promptFile = folder.File("prompts.json");
        await File.WriteAllTextAsync(promptFile, new JsonObject { ["prompts"] = prompts }.ToJsonString());
        string campaign = folder.File("outage.yaml");
        await File.WriteAllTextAsync(campaign, $$"""
            name: outage
            model:
              path: {{Path.Combine(RepositoryPaths.Root, "models", "organism")}}
            prompts:
              file: {{promptFile}}
            judges: [regex]
            generation: {max_new_tokens: 8, batch: 1}
            stages:
              baseline: {categories: [safe_control]}
              capture: {position: last, input: template}
              geometry: {refuse: [should_refuse], comply: [safe_control], random_directions: 2}
            """);
        return campaign;
    }

    /// <summary>The line <c>geode run</c> prints when the campaign started (its id first).</summary>
    private static async Task<string> StartLine(Process client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var before = new List<string>();
        while (await client.StandardError.ReadLineAsync(timeout.Token) is string line)
        {
            if (line.StartsWith("geode: campaign ", StringComparison.Ordinal))
            {
                return line;
            }

            before.Add(line);
        }

        throw new InvalidOperationException($"geode run ended without starting the campaign: {string.Join('\n', before)}");
    }

    private static async Task<CampaignStatus> Poll(ICampaignGrain grain, Func<CampaignStatus, bool> until, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            CampaignStatus status = await grain.Status();
            Assert.False(status.IsFinished && !until(status), $"the campaign ended ({status.Phase}: {status.Error}) before the awaited state");
            if (until(status))
            {
                return status;
            }

            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"campaign {status.Id} did not reach the awaited state in {limit}: {status.Stage} {status.Done}/{status.Total}");
            }

            await Task.Delay(100);
        }
    }
}
