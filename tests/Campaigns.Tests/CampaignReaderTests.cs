using Geode.Analysis.Evaluation;
using Geode.Model;
using Geode.Tests;

namespace Geode.Campaigns.Tests;

public sealed class CampaignReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public CampaignReaderTests()
    {
        // A checkpoint folder needs only config.json for validation.
        File.WriteAllText(_folder.File("model/config.json"), "{}");
    }

    public void Dispose() => _folder.Dispose();

    private const string Minimal = """
        model:
          path: model
        stages:
          baseline: {}
        """;

    private Campaign Parse(string yaml) => CampaignReader.Parse(yaml, _folder.File("campaign.yaml"));

    private BadInputException Invalid(string yaml) => Assert.Throws<BadInputException>(() => Parse(yaml));

    [Fact]
    public void The_quickstart_campaign_is_valid_and_runs_every_stage_but_diff()
    {
        Campaign campaign = CampaignReader.Load(Path.Combine(RepositoryPaths.Root, "campaigns", "quickstart.yaml"));

        Assert.Equal("quickstart", campaign.Name);
        Assert.Equal(Path.Combine(RepositoryPaths.Root, "models", "organism"), campaign.Model.Folder);
        Assert.Null(campaign.Prompts.File);
        Assert.Equal(8, campaign.Prompts.Categories.Count);
        Assert.Equal(["regex", "keyword"], campaign.Judges);
        CampaignStages stages = campaign.Stages;
        Assert.NotNull(stages.Baseline);
        Assert.Equal(("last", "template"), (stages.Capture!.Position, stages.Capture.Input));
        Assert.Equal(["should_refuse"], stages.Geometry!.Refuse);
        Assert.Equal([0.5, 1.0, 1.5], stages.Sweeps!.Alphas);
        Assert.Equal(["all", "sliding", "global", "second-half", "last:2"], stages.Sweeps.Layers);
        Assert.Equal(["input", "winsorize", "gram_schmidt", "variant"], stages.Cascade!.Steps.Select(s => s.Ingredient));
        Assert.Equal(4, stages.Descent!.MaxRank);
        Assert.Equal(["should_refuse"], stages.Selective!.Keep);
        Assert.Null(stages.Diff);
        Assert.Equal(["baseline", "capture", "geometry", "sweeps", "cascade", "descent", "selective"], stages.Enabled);
    }

    [Fact]
    public void Defaults_fill_what_a_minimal_file_leaves_out()
    {
        Campaign campaign = Parse(Minimal);

        Assert.Equal("campaign", campaign.Name);
        Assert.Equal(("float32", "cpu", (string?)null), (campaign.Model.DType, campaign.Model.Device, campaign.Model.LibTorch));
        Assert.Equal(new CampaignGeneration(128, 32), campaign.Generation);
        Assert.True(campaign.Generation.EarlyStop);
        Assert.False(campaign.Generation.AutoBatch);
        Assert.Null(campaign.JudgeHorizon);
        Assert.Equal(["regex", "keyword"], campaign.Judges);
        Assert.Empty(campaign.Stages.Baseline!.Categories);
        Assert.Null(campaign.Stages.Sweeps);
    }

    [Fact]
    public void Throughput_settings_are_read()
    {
        Campaign campaign = Parse("model:\n  path: model\njudge_horizon: 300\ngeneration:\n  batch: auto\n  early_stop: false\nstages:\n  baseline: {}\n");

        Assert.Equal(300, campaign.JudgeHorizon);
        Assert.True(campaign.Generation.AutoBatch);
        Assert.Equal(32, campaign.Generation.Batch);
        Assert.False(campaign.Generation.EarlyStop);
    }

    [Fact]
    public void Edit_precision_int8_is_a_cascade_step_on_int8_weights()
    {
        Campaign fromDType = Parse("model:\n  path: model\n  dtype: int8\nstages:\n  cascade:\n    steps:\n      - name: int8 edit\n        change: {edit_precision: int8}\n");
        Campaign fromStep = Parse("model:\n  path: model\nstages:\n  cascade:\n    steps:\n      - name: eight bits\n        change: {precision: int8}\n      - name: int8 edit\n        change: {edit_precision: int8}\n");

        Assert.Equal("int8", fromDType.Model.DType);
        Assert.Equal(new CascadeStep("int8 edit", "edit_precision", "int8"), Assert.Single(fromDType.Stages.Cascade!.Steps));
        IReadOnlyList<CascadeSettings> plan = CascadeRunner.Plan(CascadeSettings.Start("float32"), fromStep.Stages.Cascade!.Steps.Select(s => (s.Ingredient, s.Value)));
        Assert.Equal(["float32", "int8", "int8"], plan.Select(p => p.Precision));
        Assert.Equal([CascadeSettings.ExactEdit, CascadeSettings.ExactEdit, CascadeSettings.Int8Edit], plan.Select(p => p.EditPrecision));
        Assert.EndsWith("post_norm_aware=false edit_precision=int8", plan[2].ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("model:\n  path: model\ngeneration:\n  batch: lots\nstages:\n  baseline: {}\n", 4, "generation.batch: expected a whole number (found 'lots')")]
    [InlineData("model:\n  path: model\njudge_horizon: 0\nstages:\n  baseline: {}\n", 3, "judge_horizon: must be")]
    [InlineData("stages:\n  baseline: {}\n  abliterate: {}\nmodel:\n  path: model\n", 3, "stages.abliterate: unknown key 'abliterate'")]
    [InlineData("model:\n  path: model\nstages:\n  sweeps:\n    alphas: [0.5, lots]\n", 5, "stages.sweeps.alphas[1]: expected a number (found 'lots')")]
    [InlineData("model:\n  path: model\nstages:\n  sweeps:\n    alphas: [3]\n", 5, "stages.sweeps.alphas[0]: must be in [0, 2], found 3")]
    [InlineData("model:\n  path: model\ngeneration:\n  max_new_tokens: many\nstages:\n  baseline: {}\n", 4, "generation.max_new_tokens: expected a whole number (found 'many')")]
    [InlineData("model:\n  path: nowhere\nstages:\n  baseline: {}\n", 2, "model.path: the model folder")]
    [InlineData("model:\n  path: model\nstages:\n  selective:\n    free: [emergency_medical, bird_watching]\n    keep: [should_refuse]\n", 5, "stages.selective.free[1]: unknown category 'bird_watching'")]
    [InlineData("model:\n  path: model\nstages:\n  geometry:\n    refuse: should_refuse\n    gram_schmidt: maybe\n", 6, "stages.geometry.gram_schmidt: expected true or false")]
    [InlineData("model:\n  path: model\njudges: [regex, oracle]\nstages:\n  baseline: {}\n", 3, "judges[1]: unknown judge 'oracle'")]
    [InlineData("model:\n  path: model\nstages:\n  sweeps:\n    layers: [all, top-3]\n", 5, "stages.sweeps.layers[1]: 'top-3' is not a layer subset")]
    [InlineData("model:\n  path: model\nstages:\n  cascade:\n    steps:\n      - name: two at once\n        change: {input: raw, gram_schmidt: 'true'}\n", 7, "stages.cascade.steps[0].change: a step changes exactly one ingredient")]
    [InlineData("model:\n  path: model\nstages:\n  cascade:\n    steps:\n      - name: raw again\n        change: {input: raw}\n", 7, "stages.cascade.steps[0].change.input: 'raw' is already in force")]
    [InlineData("model:\n  path: model\nstages:\n  cascade:\n    steps:\n      - name: eight bits\n        change: {precision: int4}\n", 7, "stages.cascade.steps[0].change.precision: 'int4' is not one of")]
    [InlineData("model:\n  path: model\nstages:\n  cascade:\n    steps:\n      - name: int8 edit\n        change: {edit_precision: int8}\n", 7, "stages.cascade.steps[0].change.edit_precision: edit_precision: int8 edits int8 weights, but the precision in force at this step is float32")]
    [InlineData("model:\n  path: model\n  dtype: int8\nstages:\n  cascade:\n    steps:\n      - name: int8 edit\n        change: {edit_precision: int8}\n      - name: back to floats\n        change: {precision: bfloat16}\n", 10, "stages.cascade.steps[1].change.precision: edit_precision: int8 edits int8 weights, but the precision in force at this step is bfloat16")]
    [InlineData("model:\n  path: model\n  dtype: int4\nstages:\n  baseline: {}\n", 3, "model.dtype: 'int4' is not one of float32")]
    [InlineData("model:\n  path: model\n", 1, "stages: missing")]
    [InlineData("model:\n  path: \"mo\\0del\"\nstages:\n  baseline: {}\n", 2, "model.path: the path contains a NUL character")]
    [InlineData("model:\n  path: model\nprompts:\n  file: \"p\\0.json\"\nstages:\n  baseline: {}\n", 4, "prompts.file: the path contains a NUL character")]
    [InlineData("model:\n  path: model\nstages:\n  diff:\n    forks: [\"fork\\0\"]\n", 5, "stages.diff.forks[0]: the path contains a NUL character")]
    public void A_bad_file_fails_validation_naming_the_line_and_key_path(string yaml, int line, string expected)
    {
        BadInputException error = Invalid(yaml);

        Assert.Contains($"campaign.yaml:{line}: {expected}", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("The campaign file", error.Message, StringComparison.Ordinal);
        Assert.Equal(_folder.File("campaign.yaml"), error.Source);
    }

    [Fact]
    public void Every_error_is_reported_at_once_in_line_order()
    {
        BadInputException error = Invalid("""
            model:
              path: model
              device: tpu
            stages:
              descent:
                max_rank: 0
                strategy: guess
            """);

        string[] lines = error.Message.Split('\n');
        Assert.StartsWith("The campaign file has 3 errors", lines[0], StringComparison.Ordinal);
        Assert.Contains(":3: model.device: 'tpu' is not a device", lines[1], StringComparison.Ordinal);
        Assert.Contains(":6: stages.descent.max_rank: must be at least 1, found 0", lines[2], StringComparison.Ordinal);
        Assert.Contains(":7: stages.descent.strategy: 'guess' is not one of peel, svd", lines[3], StringComparison.Ordinal);
        Assert.Equal("model.device", error.Field);
    }

    [Fact]
    public void Text_that_is_not_yaml_names_the_line()
    {
        BadInputException error = Invalid("model:\n  path: model\nstages: [baseline\n");

        Assert.Contains("campaign.yaml:", error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid YAML", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Ten levels of ten-fold aliases: 10^9 leaves, which YamlDotNet expanded to hash it as a key.</summary>
    private static string BillionLaughs() =>
        "model: {path: model}\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n" +
        string.Concat(Enumerable.Range(1, 9).Select(i => $"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n")) +
        "? *l9\n: 1\nstages: {baseline: {}}\n";

    [Theory]
    [InlineData("laughs", 3, "the alias *l0 is not allowed")]
    [InlineData("model:\n  path: model\n? &a [*a]\n: 1\nstages: {baseline: {}}\n", 3, "the alias *a is not allowed")]
    [InlineData("model:\n  path: model\nbase: &b {baseline: {}}\nstages: *b\n", 4, "the alias *b is not allowed")]
    public void Aliases_are_refused_before_yamldotnet_can_expand_them(string yaml, int line, string expected)
    {
        // Before: the bomb as a mapping key took 7 s per level past nine, and the self-referencing
        // key overflowed the stack, which ends the process.
        BadInputException error = Invalid(yaml == "laughs" ? BillionLaughs() : yaml);

        Assert.Contains($"campaign.yaml:{line}: not a valid campaign file: {expected}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_deeper_than_64_levels_is_refused_before_it_can_overflow_the_stack()
    {
        // The document's mapping is the first level, so 63 brackets reach the limit and 64 pass it.
        BadInputException atLimit = Invalid("x: " + new string('[', 63) + new string(']', 63) + "\n");
        BadInputException deep = Invalid("x: " + new string('[', 100_000) + new string(']', 100_000) + "\n");

        Assert.DoesNotContain("nest more than", atLimit.Message, StringComparison.Ordinal);
        Assert.Contains("campaign.yaml:1: not a valid campaign file: mappings and lists nest more than 64 levels deep", deep.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_ten_thousand_values_are_refused_and_at_most_fifty_errors_listed()
    {
        // 5,000 unknown keys are 10,000 values plus the file's own: refused at the 10,001st.
        string many = "model:\n  path: model\nstages: {baseline: {}}\n" + string.Concat(Enumerable.Range(0, 5_000).Select(i => $"k{i}: {i}\n"));
        string fewer = "model:\n  path: model\nstages: {baseline: {}}\n" + string.Concat(Enumerable.Range(0, 200).Select(i => $"k{i}: {i}\n"));

        BadInputException tooMany = Invalid(many);
        BadInputException listed = Invalid(fewer);

        Assert.Contains("campaign.yaml:4999: not a valid campaign file: the file holds more than 10000 values by here", tooMany.Message, StringComparison.Ordinal);
        Assert.StartsWith("The campaign file has 200 errors", listed.Message, StringComparison.Ordinal);
        Assert.Equal(52, listed.Message.Split('\n').Length);
        Assert.EndsWith("\n  ... and 150 more", listed.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("model:\n  path: model\nstages: [baseline\njudges: [regex]\n")]
    [InlineData("model:\n  path: model\njudges: [regex,\nkeyword]\nstages: {baseline: {}}\n")]
    public void An_unclosed_flow_list_that_trips_the_yaml_scanner_is_bad_input_naming_the_line(string yaml)
    {
        // YamlDotNet throws InvalidOperationException (not a YamlException) for these.
        BadInputException error = Invalid(yaml);

        Assert.Contains("campaign.yaml:3: not valid YAML: the YAML reader gave up after this line", error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(error.InnerException);
    }

    [Fact]
    public void Categories_come_from_the_users_prompt_file_with_its_field_mapping()
    {
        File.WriteAllText(_folder.File("mine.csv"), "key,group,label,text\na1,birds,comply,How do owls see at night?\nb1,locks,refuse,Open my neighbor's lock.\n");
        string yaml = """
            model: {path: model}
            prompts:
              file: mine.csv
              fields: {id: key, category: group, expected: label, prompt: text}
            stages:
              selective: {free: [birds], keep: [locks]}
            """;

        Campaign campaign = Parse(yaml);

        Assert.Equal(["birds", "locks"], campaign.Prompts.Categories);
        Assert.Equal(_folder.File("mine.csv"), campaign.Prompts.File);
        Assert.Contains("campaign.yaml:6: stages.selective.free[0]: unknown category 'emergency_medical'", Invalid(yaml.Replace("[birds]", "[emergency_medical]", StringComparison.Ordinal)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_campaign_file_is_bad_input()
    {
        BadInputException error = Assert.Throws<BadInputException>(() => CampaignReader.Load(_folder.File("absent.yaml")));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }
}
