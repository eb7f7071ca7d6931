using System.Text.Json.Nodes;
using Geode.Analysis.Prompts;
using Geode.Campaigns.Artifacts;
using Geode.Campaigns.Execution;
using Geode.Grains.Campaigns;
using Geode.Grains.Workers;
using Geode.Model.Native;
using Geode.Silo.Hosting;
using Geode.Silo.Placement;
using Geode.Tests;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// A model worker that throws on one prompt (issue 9): on an in-process silo whose shard runner
/// throws on marked prompts, the baseline finishes without the prompt and reports it; a capture
/// stores the other prompts' rows and the stages after it use them; bad input still fails the
/// campaign at once.
/// </summary>
[Collection(CampaignCollection.Name)]
public sealed class FailedPromptCampaignTests(FailedPromptCampaignTests.FaultyCluster cluster) : IClassFixture<FailedPromptCampaignTests.FaultyCluster>
{
    private const int Prompts = 9;

    [Fact]
    public async Task A_prompt_the_worker_throws_on_is_reported_failed_and_the_campaign_finishes_the_rest()
    {
        // Shards of 4: the poisoned prompt is the second of the second shard.
        using var folder = new TempFolder();
        (string file, PromptRecord[] prompts) = await Write(folder, "baseline: {}", FaultInjectingShardRunner.Throws, 5);

        CampaignStatus status = await cluster.Run("one-bad-prompt", file, folder);

        Assert.True(status.Phase == CampaignPhase.Succeeded, status.Error);
        Assert.Equal(0, status.Retries);
        PromptFailure failure = Assert.Single(status.FailedPrompts);
        Assert.Equal(("baseline", 5, prompts[5].Id), (failure.Stage, failure.Index, failure.PromptId));
        Assert.Equal($"InvalidOperationException: the model worker cannot process prompt {prompts[5].Id} (injected)", failure.Cause);

        JsonNode baseline = Results(folder)["baseline"]!;
        Assert.Equal(Prompts - 1, (int)baseline["prompts"]!);
        Assert.Equal(1, (int)baseline["failed"]!);
        JsonNode listed = Assert.Single(baseline["failed_prompts"]!.AsArray())!;
        Assert.Equal((5, prompts[5].Id, "baseline", failure.Cause), ((int)listed["index"]!, (string)listed["id"]!, (string)listed["stage"]!, (string)listed["cause"]!));
        Assert.Equal(Prompts - 1, baseline["categories"]!.AsObject().Sum(c => (int)c.Value!["n"]!));

        var records = ResponseRecordStream.Read(Path.Combine(folder.Path, "out", "records", "baseline.msgpack"));
        Assert.Equal(prompts.Where((_, i) => i != 5).Select(p => p.Id), records.Select(r => r.Record.Record.Id));

        string summary = await File.ReadAllTextAsync(Path.Combine(folder.Path, "out", MarkdownSummary.FileName));
        Assert.Contains("**1 prompt(s) failed**", summary, StringComparison.Ordinal);
        Assert.Contains($"| 5 | {prompts[5].Id} | InvalidOperationException: the model worker cannot process prompt {prompts[5].Id} (injected) |", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prompt_alone_in_its_shard_is_asked_again_then_reported_failed()
    {
        // Shards of 4, 4 and 1: the last shard's only prompt fails, which could be the silo's
        // fault; with no other compute silo, the second answer is believed.
        using var folder = new TempFolder();
        (string file, PromptRecord[] prompts) = await Write(folder, "baseline: {}", FaultInjectingShardRunner.Throws, 8);

        CampaignStatus status = await cluster.Run("lone-bad-prompt", file, folder);

        Assert.True(status.Phase == CampaignPhase.Succeeded, status.Error);
        Assert.Equal((8, prompts[8].Id), (Assert.Single(status.FailedPrompts).Index, status.FailedPrompts[0].PromptId));
        Assert.Equal(1, status.Retries);
        Assert.Equal(Prompts - 1, (int)Results(folder)["baseline"]!["prompts"]!);
    }

    [Fact]
    public async Task A_prompt_the_worker_throws_on_in_a_capture_has_no_row_and_the_stages_after_it_run_on_the_rest()
    {
        // Shards of 4: prompt 2 (should_refuse) fails; geometry then runs on 5 refuse and 3 comply prompts.
        const string Stages = "capture: {position: last, input: template}\n  geometry: {}";
        using var folder = new TempFolder();
        (string file, PromptRecord[] prompts) = await Write(folder, Stages, FaultInjectingShardRunner.Throws, 2);
        using var clean = new TempFolder();
        (string cleanFile, _) = await Write(clean, Stages, FaultInjectingShardRunner.Throws);

        CampaignStatus status = await cluster.Run("capture-bad-prompt", file, folder);
        CampaignStatus reference = await cluster.Run("capture-clean", cleanFile, clean);

        Assert.True(status.Phase == CampaignPhase.Succeeded, status.Error);
        Assert.True(reference.Phase == CampaignPhase.Succeeded, reference.Error);
        Assert.Equal(0, status.Retries);
        PromptFailure failure = Assert.Single(status.FailedPrompts);
        Assert.Equal(("capture", 2, prompts[2].Id), (failure.Stage, failure.Index, failure.PromptId));

        JsonNode capture = Results(folder)["capture"]!;
        Assert.Equal(Prompts - 1, (int)capture["prompts"]!);
        Assert.Equal(1, (int)capture["failed"]!);
        Assert.Equal((2, prompts[2].Id), ((int)capture["failed_prompts"]![0]!["index"]!, (string)capture["failed_prompts"]![0]!["id"]!));
        Assert.All(capture["layer_aggregates"]!["prompts_counted"]!.AsArray(), n => Assert.Equal(Prompts - 1, (int)n!));
        Assert.True((double)capture["layer_aggregates"]!["max_abs_mean_difference_vs_store"]! < 1e-4);
        Assert.NotNull(Results(folder)["geometry"]!["peak_layer"]);

        // The store holds the other prompts' rows, equal to a clean capture's, and names the missing one.
        string stored = Path.Combine(folder.Path, "out", (string)capture["file"]!);
        int[] others = [.. Enumerable.Range(0, Prompts).Where(i => i != 2)];
        Assert.Equal(others, ActivationStore.PromptRows(stored, Prompts));
        using (var scope = TorchSharp.torch.NewDisposeScope())
        {
            TorchSharp.torch.Tensor holed = ActivationStore.LoadVerified(stored);
            TorchSharp.torch.Tensor full = ActivationStore.LoadVerified(Path.Combine(clean.Path, "out", (string)Results(clean)["capture"]!["file"]!));
            TorchSharp.torch.Tensor expected = full.index_select(1, TorchSharp.torch.tensor(others.Select(i => (long)i).ToArray()));
            Assert.Equal(expected.shape, holed.shape);
            Assert.True((holed - expected).abs().max().item<float>() < 1e-3f, "the rows of the prompts that ran differ from a clean capture's");
        }

        // prompts.jsonl labels the rows: line i is row i.
        Assert.Equal(others.Select(i => prompts[i].Id), PromptManifest.Read(Path.Combine(folder.Path, "out"))!.Select(p => p.Id));

        // A later campaign does not reuse a capture with a hole: it captures again.
        CampaignStatus again = await cluster.Run("capture-bad-prompt-again", file, folder.File("out2"), folder.File("store"));
        Assert.True(again.Phase == CampaignPhase.Succeeded, again.Error);
        Assert.False((bool)JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Path, "out2", "results.json")))!["capture"]!["reused"]!);
    }

    [Fact]
    public async Task A_prompt_a_trial_throws_on_is_left_out_of_the_trial_and_listed_and_the_campaign_finishes()
    {
        // Prompt 5 (should_refuse) is captured fine, then its judging throws inside the sweep.
        using var folder = new TempFolder();
        (string file, PromptRecord[] prompts) = await Write(folder, SweepStages, FaultInjectingTrialRunner.Throws, 5);

        CampaignStatus status = await cluster.Run("trial-bad-prompt", file, folder);

        Assert.True(status.Phase == CampaignPhase.Succeeded, status.Error);
        Assert.Equal(0, status.Retries);
        PromptFailure sweep = Assert.Single(status.FailedPrompts);
        Assert.Equal(("sweeps", 5, prompts[5].Id, "InvalidOperationException: the model worker cannot judge this prompt (injected)"), (sweep.Stage, sweep.Index, sweep.PromptId, sweep.Cause));

        // Every sweep row's rates are over the other 8 prompts; results.json and summary.md list it.
        JsonObject results = Results(folder);
        Assert.Equal(Prompts, (int)results["capture"]!["prompts"]!);
        AssertSweepRowsCount(results, Prompts - 1);
        Assert.Equal([("sweeps", 5)], results["failed_prompts"]!.AsArray().Select(f => ((string)f!["stage"]!, (int)f["index"]!)));
        string summary = await File.ReadAllTextAsync(Path.Combine(folder.Path, "out", MarkdownSummary.FileName));
        Assert.Contains("## Prompts that failed", summary, StringComparison.Ordinal);
        Assert.Contains($"| sweeps | 5 | {prompts[5].Id} | InvalidOperationException: the model worker cannot judge this prompt (injected) |", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prompt_that_failed_in_the_capture_is_left_out_of_the_trials_after_it()
    {
        // Prompt 5 throws in every shard; the sweep is not asked to run it again.
        using var folder = new TempFolder();
        (string file, _) = await Write(folder, SweepStages, FaultInjectingShardRunner.Throws, 5);

        CampaignStatus status = await cluster.Run("capture-bad-then-sweep", file, folder);

        Assert.True(status.Phase == CampaignPhase.Succeeded, status.Error);
        Assert.Equal(("capture", 5), (Assert.Single(status.FailedPrompts).Stage, status.FailedPrompts[0].Index));
        JsonObject results = Results(folder);
        AssertSweepRowsCount(results, Prompts - 1);
        Assert.Equal([("capture", 5)], results["failed_prompts"]!.AsArray().Select(f => ((string)f!["stage"]!, (int)f["index"]!)));
    }

    private const string SweepStages = "capture: {position: last, input: template}\n  geometry: {}\n  sweeps: {alphas: [1.0], layers: [all], random_controls: 0}";

    private static void AssertSweepRowsCount(JsonObject results, int prompts)
    {
        Assert.NotEmpty(results["sweeps"]!.AsArray());
        Assert.All(results["sweeps"]!.AsArray(), row => Assert.Equal(prompts, row!["refusal"]!.AsObject().Sum(c => (int)c.Value!["n"]!)));
    }

    [Fact]
    public async Task A_capture_whose_every_prompt_fails_fails_the_campaign()
    {
        using var folder = new TempFolder();
        (string file, _) = await Write(folder, "capture: {position: last, input: template}", FaultInjectingShardRunner.Throws, [.. Enumerable.Range(0, Prompts)]);

        CampaignStatus status = await cluster.Run("capture-all-bad", file, folder);

        Assert.Equal(CampaignPhase.Failed, status.Phase);
        Assert.Contains($"every one of the {Prompts} capture prompts failed on its own", status.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder.Path, "out", "results.json")));
    }

    [Fact]
    public async Task A_baseline_whose_every_prompt_fails_fails_the_campaign_rather_than_rate_nothing()
    {
        using var folder = new TempFolder();
        (string file, _) = await Write(folder, "baseline: {}", FaultInjectingShardRunner.Throws, [.. Enumerable.Range(0, Prompts)]);

        CampaignStatus status = await cluster.Run("all-bad-prompts", file, folder);

        Assert.Equal(CampaignPhase.Failed, status.Phase);
        Assert.Contains($"every one of the {Prompts} baseline prompts failed on its own", status.Error, StringComparison.Ordinal);
        Assert.Equal(Prompts, status.FailedPrompts.Count);
    }

    [Fact]
    public async Task Bad_input_from_a_worker_still_fails_the_campaign_at_once()
    {
        using var folder = new TempFolder();
        (string file, PromptRecord[] prompts) = await Write(folder, "baseline: {}", FaultInjectingShardRunner.BadInput, 5);

        CampaignStatus status = await cluster.Run("bad-input-prompt", file, folder);

        Assert.Equal(CampaignPhase.Failed, status.Phase);
        Assert.Equal($"{file}: prompt {prompts[5].Id} is not one this model can read (injected).", status.Error);
        Assert.Equal(1, status.Retries);
        Assert.Empty(status.FailedPrompts);
    }

    /// <summary>A campaign of <see cref="Prompts"/> prompts of the built-in benchmark, the prompts <paramref name="poison"/> marked with <paramref name="marker"/>.</summary>
    internal static async Task<(string File, PromptRecord[] Prompts)> Write(TempFolder folder, string stage, string marker, params int[] poison)
    {
        PromptRecord[] prompts = [.. SmallCampaign.Prompts().Take(Prompts)];
        foreach (int i in poison)
        {
            prompts[i] = prompts[i] with { Prompt = $"{prompts[i].Prompt} {marker}" };
        }

        string promptFile = folder.File("prompts.json");
        await SmallCampaign.WritePromptsAsync(promptFile, prompts);
        string file = folder.File("faulty.yaml");
        await File.WriteAllTextAsync(file, $$"""
            name: faulty
            model:
              path: {{Path.Combine(RepositoryPaths.Root, "models", "organism")}}
            prompts:
              file: {{promptFile}}
            judges: [regex, keyword]
            generation:
              max_new_tokens: 8
              batch: 4
            stages:
              {{stage}}
            """);
        return (file, prompts);
    }

    private static JsonObject Results(TempFolder folder) => JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Path, "out", "results.json")))!.AsObject();

    /// <summary>One compute silo in this process whose shard runner throws on marked prompts.</summary>
    public sealed class FaultyCluster : IAsyncLifetime
    {
        private InProcessTestCluster? _cluster;

        /// <summary>Runs the campaign in <paramref name="file"/> into the folder's <c>out</c> and <c>store</c> to its end (ten minutes at most) and returns its last status.</summary>
        internal Task<CampaignStatus> Run(string id, string file, TempFolder folder) => Run(id, file, folder.File("out"), folder.File("store"));

        /// <summary>Runs the campaign in <paramref name="file"/> into <paramref name="outDir"/> with the store <paramref name="storeDir"/>.</summary>
        internal async Task<CampaignStatus> Run(string id, string file, string outDir, string storeDir)
        {
            ICampaignGrain grain = _cluster!.Client.GetGrain<ICampaignGrain>(id);
            CampaignStatus status = await grain.Start(new CampaignRequest(id, file, await File.ReadAllTextAsync(file), outDir, storeDir));
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            while (!status.IsFinished)
            {
                await Task.Delay(100, timeout.Token);
                status = await grain.Status();
            }

            return status;
        }

        /// <inheritdoc />
        public async Task InitializeAsync()
        {
            TorchRuntime.Initialize(TorchRuntimeOptions.Default);
            var builder = new InProcessTestClusterBuilder(1);
            builder.ConfigureSilo((options, silo) =>
            {
                silo.AddMemoryGrainStorage(CampaignGrain.StorageName);
                silo.UseInMemoryReminderService();
                silo.UseGeodeRole(compute: true);
                silo.Services.AddSingleton<ModelShardRunner>();
                silo.Services.AddSingleton<IShardRunner>(services => new FaultInjectingShardRunner(services.GetRequiredService<ModelShardRunner>()));
                silo.Services.AddSingleton<ModelTrialRunner>();
                silo.Services.AddSingleton<ITrialRunner>(services => new FaultInjectingTrialRunner(services.GetRequiredService<ModelTrialRunner>()));
                silo.AddGeodeServices();
            });
            _cluster = builder.Build();
            await _cluster.DeployAsync();
        }

        /// <inheritdoc />
        public async Task DisposeAsync()
        {
            if (_cluster is not null)
            {
                await _cluster.DisposeAsync();
            }
        }
    }
}
