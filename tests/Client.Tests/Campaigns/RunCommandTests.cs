using System.Text.Json.Nodes;
using Geode.Campaigns.Artifacts;
using Geode.Tests;

namespace Geode.Client.Tests.Campaigns;

/// <summary><c>geode run</c> in embedded mode: every stage's results, artifacts, and validation before anything starts.</summary>
[Collection(CampaignCollection.Name)]
public sealed class RunCommandTests(SmallCampaign campaign)
{
    [Fact]
    public void An_embedded_run_succeeds_and_prints_one_json_object()
    {
        Assert.True(campaign.Embedded.ExitCode == 0, campaign.Embedded.Error);
        JsonObject line = JsonNode.Parse(campaign.Embedded.Output)!.AsObject();
        Assert.Equal("succeeded", (string?)line["phase"]);
        Assert.Equal(Path.Combine(campaign.EmbeddedOut, "results.json"), (string?)line["results"]);
    }

    [Fact]
    public void Results_hold_every_stage_with_the_keys_scripts_rely_on()
    {
        JsonObject results = SmallCampaign.Comparable(campaign.EmbeddedOut);
        Assert.Equal(["campaign", "provenance", "baseline", "capture", "geometry", "sweeps", "cascade", "descent", "selective"], results.Select(p => p.Key));

        JsonObject categories = results["baseline"]!["categories"]!.AsObject();
        Assert.Equal(4, categories.Count);
        foreach ((string name, JsonNode? c) in categories)
        {
            Assert.Equal(6, (int)c!["n"]!);
            double rate = (double)c["rate"]!, lower = (double)c["ci"]![0]!, upper = (double)c["ci"]![1]!;
            Assert.Equal((int)c["refused"]! / 6.0, rate, 6);
            Assert.InRange(rate, lower, upper);
        }

        // The organism refuses every harmful prompt here, and the geometry peaks past the embeddings.
        Assert.Equal(6, (int)categories["should_refuse"]!["refused"]!);
        JsonObject geometry = results["geometry"]!.AsObject();
        int peak = (int)geometry["peak_layer"]!;
        Assert.InRange(peak, 1, 6);
        Assert.Equal(7, geometry["layers"]!.AsArray().Count);
        Assert.Equal(4, geometry["random_cohen_d"]!.AsArray().Count);

        // Two layer subsets × (one recipe + one random control) at one α.
        JsonArray sweeps = results["sweeps"]!.AsArray();
        Assert.Equal(4, sweeps.Count);
        Assert.Equal(2, sweeps.Count(r => r!["control"] is not null));

        JsonArray cascade = results["cascade"]!["rows"]!.AsArray();
        Assert.Equal(3, cascade.Count);
        Assert.True((bool)cascade[0]!["gate_passed"]!);
        Assert.All(cascade, row => Assert.Equal((bool)row!["gate_passed"]!, row["confirm"] is not null));

        JsonArray descent = results["descent"]!["points"]!.AsArray();
        Assert.Equal(0, (int)descent[0]!["rank"]!);
        Assert.Contains((string?)results["descent"]!["stop_reason"], new[] { "target", "kl-budget", "max-rank" });

        JsonArray selective = results["selective"]!["points"]!.AsArray();
        Assert.Equal(0.0, (double)selective[0]!["alpha"]!);
        Assert.Contains(selective, p => (bool)p!["on_front"]!);

        Assert.Equal(64, ((string?)results["provenance"]!["model"]!["sha256"])!.Length);

        // Seven layer aggregators, each counting the 24 prompts once, with the store's class means.
        JsonNode aggregates = results["capture"]!["layer_aggregates"]!;
        Assert.Equal(Enumerable.Repeat(24, 7), aggregates["prompts_counted"]!.AsArray().Select(n => (int)n!));
        Assert.True((double)aggregates["max_abs_mean_difference_vs_store"]! < 1e-6);
    }

    [Fact]
    public void Per_prompt_records_and_artifacts_are_written()
    {
        string folder = Path.Combine(campaign.EmbeddedOut, "records");
        var records = ResponseRecordStream.Read(Path.Combine(folder, "baseline.msgpack"));
        Assert.Equal(24, records.Count);
        Assert.All(records, r => Assert.Equal(2, r.Record.Verdicts.Count));
        Assert.All(records, r => Assert.True(r.Record.BatchSeconds > 0));

        // Every response behind every number: a sweep subset holds the unedited model and its two variants.
        var sweep = ResponseRecordStream.Read(Path.Combine(folder, "sweeps-0.msgpack"));
        Assert.Equal(3 * 24, sweep.Count);
        Assert.Equal(3, sweep.Select(r => r.Variant).Distinct().Count());
        Assert.Contains(sweep, r => r.Variant is null);
        Assert.True(File.Exists(Path.Combine(folder, "descent.msgpack")));
        Assert.True(File.Exists(Path.Combine(folder, "selective.msgpack")));
        Assert.Equal(2 * 4, ResponseRecordStream.Read(Path.Combine(folder, "cascade-0-smoke.msgpack")).Count);
        Assert.True(File.Exists(Path.Combine(campaign.EmbeddedOut, "directions.safetensors")));
        Assert.True(File.Exists(Path.Combine(campaign.EmbeddedOut, "standard-recipe.edit.safetensors")));
        Assert.True(File.Exists(Path.Combine(campaign.EmbeddedOut, "summary.md")));
        string store = (string)JsonNode.Parse(File.ReadAllText(Path.Combine(campaign.EmbeddedOut, "results.json")))!["capture"]!["file"]!;
        Assert.True(File.Exists(Path.Combine(campaign.EmbeddedOut, store)));
    }

    [Fact]
    public async Task A_second_campaign_on_the_same_store_reuses_the_stored_activations()
    {
        using var folder = new TempFolder();
        string yaml = await File.ReadAllTextAsync(campaign.File);
        string file = folder.File("geometry-only.yaml");
        await File.WriteAllTextAsync(file, yaml[..yaml.IndexOf("  baseline:", StringComparison.Ordinal)] + "  capture: {}\n  geometry: {random_directions: 4}\n");
        string store = folder.File("store");

        CliResult first = await CliRunner.RunAsync("run", file, "--out", folder.File("a"), "--store", store, "--json", "--no-progress");
        CliResult second = await CliRunner.RunAsync("run", file, "--out", folder.File("b"), "--store", store, "--json", "--no-progress");

        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first.Error + second.Error);
        JsonObject a = SmallCampaign.Comparable(folder.File("a")), b = SmallCampaign.Comparable(folder.File("b"));
        Assert.False((bool)a["capture"]!["reused"]!);
        Assert.True((bool)b["capture"]!["reused"]!);
        Assert.Equal((string?)a["capture"]!["key"], (string?)b["capture"]!["key"]);
        Assert.Equal(a["geometry"]!.ToJsonString(), b["geometry"]!.ToJsonString());

        // The same geometry as the full campaign's, whose store was filled by shards of 4.
        Assert.Equal(SmallCampaign.Comparable(campaign.EmbeddedOut)["geometry"]!.ToJsonString(), a["geometry"]!.ToJsonString());
    }

    [Fact]
    public async Task An_int8_campaign_runs_a_cascade_whose_last_step_rounds_the_edit_into_the_int8_weights()
    {
        using var folder = new TempFolder();
        string yaml = await File.ReadAllTextAsync(campaign.File);
        string header = yaml[..yaml.IndexOf("  baseline:", StringComparison.Ordinal)].Replace("\nprompts:", "\n  dtype: int8\nprompts:", StringComparison.Ordinal);
        string file = folder.File("int8-cascade.yaml");
        await File.WriteAllTextAsync(file, header + """
              cascade:
                smoke: 3
                steps:
                  - name: chat template
                    change: {input: template}
                  - name: int8 edit
                    change: {edit_precision: int8}

            """);

        CliResult run = await CliRunner.RunAsync("run", file, "--out", folder.File("out"), "--json", "--no-progress");

        Assert.True(run.ExitCode == 0, run.Error);
        JsonNode results = JsonNode.Parse(await File.ReadAllTextAsync(folder.File("out/results.json")))!;
        Assert.Equal("int8", (string?)results["provenance"]!["model"]!["dtype"]);
        JsonArray rows = results["cascade"]!["rows"]!.AsArray();
        Assert.Equal(("edit_precision", "int8"), ((string?)rows[2]!["ingredient"], (string?)rows[2]!["value"]));
        Assert.EndsWith("edit_precision=int8", (string)rows[2]!["settings"]!, StringComparison.Ordinal);

        // α = 1 survives requantisation: the int8 edit refuses as the exact edit does, with nearly its KL.
        JsonNode exact = rows[1]!["smoke"]!, requantised = rows[2]!["smoke"]!;
        Assert.Equal((double)exact["refusal"]!, (double)requantised["refusal"]!);
        Assert.True(Math.Abs((double)exact["kl"]! - (double)requantised["kl"]!) <= (0.05 * (double)exact["kl"]!) + 1e-3, $"KL exact {exact["kl"]} vs int8 edit {requantised["kl"]}");
        Assert.True((bool)rows[2]!["gate_passed"]!);
    }

    [Fact]
    public async Task The_diff_stage_finds_the_tensors_an_exported_edit_changed()
    {
        using var folder = new TempFolder();
        string organism = Path.Combine(RepositoryPaths.Root, "models", "organism");
        string fork = folder.File("fork");
        CliResult export = await CliRunner.RunAsync("export", "--model", organism, "--edit", Path.Combine(organism, "planted_refusal.safetensors"), "--out", fork);
        Assert.True(export.ExitCode == 0, export.Error);
        string file = folder.File("diff.yaml");
        await File.WriteAllTextAsync(file, $"model:\n  path: {organism}\nstages:\n  diff:\n    forks: [{fork}]\n");

        CliResult run = await CliRunner.RunAsync("run", file, "--out", folder.File("out"), "--json", "--no-progress");

        Assert.True(run.ExitCode == 0, run.Error);
        JsonObject diff = JsonNode.Parse(await File.ReadAllTextAsync(folder.File("out/results.json")))!["diff"]![0]!.AsObject();
        string[] changed = [.. diff["changed"]!.AsArray().Select(n => (string)n!)];
        // The planted edit projects o_proj and down_proj of all six layers, and nothing else.
        Assert.Equal(12, changed.Length);
        Assert.All(changed, name => Assert.True(name.EndsWith("o_proj.weight", StringComparison.Ordinal) || name.EndsWith("down_proj.weight", StringComparison.Ordinal), name));
        Assert.True(File.Exists(folder.File($"out/{(string)diff["diff_json"]!}")));
    }

    [Fact]
    public async Task Ctrl_c_cancels_an_embedded_campaign_cleanly()
    {
        using var folder = new TempFolder();
        string outDir = folder.File("out");
        using System.Diagnostics.Process run = SiloProcess.Start(["run", campaign.File, "--out", outDir, "--store", folder.File("store"), "--no-progress"]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (await run.StandardError.ReadLineAsync(timeout.Token) is string line && !line.StartsWith("geode: campaign ", StringComparison.Ordinal))
        {
        }

        // Let torch get busy (the whole campaign takes a few seconds): Ctrl-C must stop it mid-pass.
        await Task.Delay(TimeSpan.FromSeconds(2), timeout.Token);
        using (System.Diagnostics.Process signal = System.Diagnostics.Process.Start("kill", ["-INT", run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await signal.WaitForExitAsync(timeout.Token);
        }

        string rest = await run.StandardError.ReadToEndAsync(timeout.Token);
        await run.WaitForExitAsync(timeout.Token);
        Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}; stderr after the signal:\n{rest}");
        Assert.Contains("cancelled", rest);
        Assert.False(File.Exists(Path.Combine(outDir, "results.json")));
    }

    [Theory]
    [InlineData("stages:\n  baseline: {}\n  shuffle: {}\n", "stages.shuffle")]
    [InlineData("generation:\n  max_new_tokens: many\n", "generation.max_new_tokens")]
    [InlineData("stages:\n  baseline: {categories: [astrology]}\n", "stages.baseline.categories")]
    public async Task Bad_campaigns_fail_validation_with_the_key_path_and_start_nothing(string tail, string keyPath)
    {
        using var folder = new TempFolder();
        string file = folder.File("bad.yaml");
        await File.WriteAllTextAsync(file, $"model:\n  path: {Path.Combine(RepositoryPaths.Root, "models", "organism")}\n{tail}");
        string outDir = folder.File("out");
        CliResult result = await CliRunner.RunAsync("run", file, "--out", outDir);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(keyPath, result.Error);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public async Task A_missing_model_folder_fails_validation_and_starts_nothing()
    {
        using var folder = new TempFolder();
        string file = folder.File("bad.yaml");
        await File.WriteAllTextAsync(file, "model:\n  path: no/such/model\nstages:\n  baseline: {}\n");
        CliResult result = await CliRunner.RunAsync("run", file, "--out", folder.File("out"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("model.path", result.Error);
        Assert.False(Directory.Exists(folder.File("out")));
    }
}
