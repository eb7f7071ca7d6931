using System.Text.Json.Nodes;
using Geode.Analysis.Evaluation;
using Geode.Analysis.Forensics;
using Geode.Analysis.Prompts;
using Geode.Analysis.Surgery;
using Geode.Campaigns.Artifacts;
using Geode.Model;
using Geode.Model.Checkpoints;
using Geode.Model.Edits;
using Geode.Model.Text;
using static TorchSharp.torch;

namespace Geode.Campaigns.Execution;

/// <summary>What a trial hands back: its fragment of results.json and the tokens it generated.</summary>
/// <param name="Json">The fragment.</param>
/// <param name="Tokens">Tokens generated (0 when the trial does not generate).</param>
public sealed record TrialResult(JsonNode Json, long Tokens)
{
    /// <summary>Prompts the trial left out because processing them alone threw, indexed in the campaign's whole prompt set.</summary>
    public IReadOnlyList<FailedPrompt> Failed { get; init; } = [];
}

/// <summary>
/// The trials of DESIGN §1.4–1.10 on a loaded model: geometry (from stored activations), one
/// sweep per layer subset, one cascade row (smoke or confirmation), the descent, the selective
/// stage, one fork's weight diff. Each returns a results fragment and writes its artifacts
/// (directions, edits, per-prompt records, diff.json) into the artifact folder, replacing what an
/// earlier attempt of the same trial wrote.
/// </summary>
public static class TrialJobs
{
    /// <summary>Strengths the selective stage tries besides 0.</summary>
    public static IReadOnlyList<double> SelectiveAlphas { get; } = [0.5, 1.0, 1.5, 2.0];

    /// <summary>The dtype the trial's model runs in: a cascade row's precision, otherwise the campaign's.</summary>
    public static string DTypeOf(CampaignWorkspace workspace, string stage, int index)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        return stage == "cascade" ? CascadePlan(workspace)[index].Precision : workspace.Campaign.Model.DType;
    }

    /// <summary>The settings of every cascade row: the start, then each step.</summary>
    public static IReadOnlyList<CascadeSettings> CascadePlan(CampaignWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        CascadeStage stage = workspace.Campaign.Stages.Cascade ?? throw new InvalidOperationException("The campaign has no cascade.");
        return CascadeRunner.Plan(CascadeSettings.Start(workspace.Campaign.Model.DType), stage.Steps.Select(s => (s.Ingredient, s.Value)));
    }

    /// <summary>Runs one trial.</summary>
    /// <param name="model">The model (in <see cref="DTypeOf"/>'s dtype).</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="template">Its chat template.</param>
    /// <param name="workspace">The campaign.</param>
    /// <param name="stage">The stage.</param>
    /// <param name="index">The trial's index in the stage.</param>
    /// <param name="argument">The activation-store file (geometry, sweeps) or <c>smoke</c>/<c>confirm</c> (cascade).</param>
    /// <param name="artifacts">The campaign's artifact folder.</param>
    /// <param name="progress">Called with the fraction of the trial done, where the trial can tell (sweeps).</param>
    public static TrialResult Run(CausalLM model, TextTokenizer tokenizer, IChatTemplate template, CampaignWorkspace workspace, string stage, int index, string argument, string artifacts, Action<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(workspace);
        using var scope = NewDisposeScope();
        CampaignStages stages = workspace.Campaign.Stages;
        return stage switch
        {
            "geometry" => Geometry(model, workspace, stages.Geometry!, argument, artifacts),
            "sweeps" => Sweep(model, tokenizer, template, workspace, stages.Sweeps!, index, argument, artifacts, progress),
            "cascade" => Cascade(model, tokenizer, template, workspace, stages.Cascade!, index, argument, artifacts),
            "descent" => Descent(model, tokenizer, template, workspace, stages.Descent!, artifacts),
            "selective" => Selective(model, tokenizer, template, workspace, stages.Selective!, artifacts),
            "diff" => Diff(workspace, stages.Diff!, index, artifacts),
            _ => throw new ArgumentException($"'{stage}' is not a trial stage.", nameof(stage)),
        };
    }

    private static TrialResult Geometry(CausalLM model, CampaignWorkspace workspace, GeometryStage stage, string activationsFile, string artifacts)
    {
        Tensor activations = LoadActivations(activationsFile);
        string[] categories = [.. PromptRows(activationsFile, workspace).Select(i => workspace.Prompts.Records[i].Category)];
        GeometryResult result = GeometryAnalysis.Compute(activations, categories, [.. stage.Refuse], stage.Comply, stage.Winsorize, stage.GramSchmidt, stage.RandomDirections, seed: 0);

        // The recipes' directions and the standard recipe's edit, for `geode export` and `geode diff --directions`.
        (Tensor refuse, Tensor comply) = Classes(activations, activationsFile, workspace);
        Directory.CreateDirectory(artifacts);
        var directions = new List<(string, Tensor)>();
        foreach (string recipe in CampaignReader.Recipes)
        {
            RecipeDirection found = StandardRecipe.FindDirection(refuse, comply, recipe == "gram-schmidt");
            directions.Add((recipe, found.Direction.to(ScalarType.Float32)));
            if (recipe == "diff-of-means")
            {
                EditFile.Save(StandardRecipe.Edit(model.Config, found.Direction), Path.Combine(artifacts, "standard-recipe.edit.safetensors"));
            }
        }

        SafetensorsWriter.Write(Path.Combine(artifacts, "directions.safetensors"), directions, new Dictionary<string, string> { ["peak_layer"] = result.PeakLayer.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return new TrialResult(ResultsJson.Geometry(result), 0);
    }

    private static TrialResult Sweep(CausalLM model, TextTokenizer tokenizer, IChatTemplate template, CampaignWorkspace workspace, SweepStage stage, int index, string activationsFile, string artifacts, Action<double>? progress)
    {
        (Tensor refuse, Tensor comply) = Classes(LoadActivations(activationsFile), activationsFile, workspace);
        var directions = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (string recipe in stage.Recipes)
        {
            directions[recipe] = StandardRecipe.FindDirection(refuse, comply, recipe == "gram-schmidt").Direction;
        }

        LayerSubset layers = LayerSubset.Parse(stage.Layers[index], $"stages.sweeps.layers[{index}]");
        string[] harmless = [.. workspace.Evaluated.Records.Where(r => workspace.Comply.Contains(r.Category)).Select(r => r.Prompt)];
        var records = new RecordSink(Records(artifacts, $"sweeps-{index}"), workspace);
        (_, IReadOnlyList<SweepRow> rows) = SweepRunner.Run(
            model, tokenizer, template, workspace.Evaluated, harmless, workspace.Judges, directions, [layers], stage.Alphas, stage.RandomControls, workspace.Options, seed: 0, progress, records.Add);
        return new TrialResult(ResultsJson.SweepRows(rows), records.Tokens) { Failed = records.Failed };
    }

    private static TrialResult Cascade(CausalLM model, TextTokenizer tokenizer, IChatTemplate template, CampaignWorkspace workspace, CascadeStage stage, int index, string phase, string artifacts)
    {
        CascadeSettings settings = CascadePlan(workspace)[index];
        PromptSet evaluated = CascadeRunner.Subset(workspace.Evaluated, phase == "smoke" ? stage.Smoke : stage.Confirm);
        CascadeTrial trial = CascadeRunner.Run(model, tokenizer, template, workspace.Evaluated, evaluated, workspace.Judges, settings, [.. workspace.Refuse], [.. workspace.Comply], workspace.Options);
        var records = new RecordSink(Records(artifacts, $"cascade-{index}-{phase}"), workspace);
        records.Add(settings.ToString(), trial.Result);
        return new TrialResult(ResultsJson.CascadeTrial(settings, trial), records.Tokens) { Failed = records.Failed };
    }

    private static TrialResult Descent(CausalLM model, TextTokenizer tokenizer, IChatTemplate template, CampaignWorkspace workspace, DescentStage stage, string artifacts)
    {
        var records = new RecordSink(Records(artifacts, "descent"), workspace);
        DescentResult result = DescentRunner.Run(
            model, tokenizer, template, workspace.Evaluated, workspace.Judges, [.. workspace.Refuse], [.. workspace.Comply],
            stage.MaxRank, stage.RefusalTarget, stage.KlBudget, stage.Strategy == "peel", workspace.Options, records.Add);
        return new TrialResult(ResultsJson.Descent(result, stage.Strategy), records.Tokens) { Failed = records.Failed };
    }

    private static TrialResult Selective(CausalLM model, TextTokenizer tokenizer, IChatTemplate template, CampaignWorkspace workspace, SelectiveStage stage, string artifacts)
    {
        var records = new RecordSink(Records(artifacts, "selective"), workspace);
        SelectiveResult result = SelectiveRunner.Run(
            model, tokenizer, template, workspace.Evaluated, workspace.Judges, [.. stage.Free], [.. stage.Keep], workspace.Comply[0], SelectiveAlphas, workspace.Options, records.Add);
        return new TrialResult(ResultsJson.Selective(result, stage.Free, stage.Keep, stage.KlBudget), records.Tokens) { Failed = records.Failed };
    }

    private static TrialResult Diff(CampaignWorkspace workspace, DiffStage stage, int index, string artifacts)
    {
        string fork = stage.Forks[index];
        IReadOnlyList<TensorDiff> records = WeightDiff.Compare(workspace.Campaign.Model.Folder, [fork]);
        string path = Path.Combine(artifacts, $"diff-{index}.json");
        DiffJson.Write(records, path);
        return new TrialResult(
            new JsonObject
            {
                ["fork"] = fork,
                ["diff_json"] = Path.GetFileName(path),
                ["changed"] = new JsonArray([.. records.Where(r => r.Changed).Select(r => (JsonNode?)JsonValue.Create(r.Name))]),
                ["unchanged"] = records.Count(r => r.Status == TensorStatus.Unchanged),
            },
            0);
    }

    /// <summary>
    /// A writer of <c>records/NAME.msgpack</c>, emptied first (a retried trial replaces what an
    /// earlier attempt wrote); each call appends one variant's responses under its name.
    /// </summary>
    private static Action<string?, BaselineResult> Records(string artifacts, string name)
    {
        string folder = Path.Combine(artifacts, "records");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, $"{name}.msgpack");
        File.Delete(path);
        return (variant, result) => ResponseRecordStream.Append(path, result.Responses, variant);
    }

    /// <summary>
    /// Writes each evaluated variant's records and counts the tokens generated for them, so a
    /// trial reports all it generated (the throughput metrics count it), not only the unedited run;
    /// and gathers the prompts the evaluations left out, indexed in the campaign's whole prompt set
    /// (an evaluation indexes its own subset).
    /// </summary>
    private sealed class RecordSink(Action<string?, BaselineResult> write, CampaignWorkspace workspace)
    {
        private readonly SortedDictionary<int, FailedPrompt> _failed = [];

        public long Tokens { get; private set; }

        public IReadOnlyList<FailedPrompt> Failed => [.. _failed.Values];

        public void Add(string? variant, BaselineResult result)
        {
            write(variant, result);
            Tokens += result.Responses.Sum(r => (long)r.Tokens);
            foreach (FailedPrompt failed in result.Failed)
            {
                int index = workspace.Prompts.IndexOf(failed.Id);
                _failed.TryAdd(index, failed with { Index = index });
            }
        }
    }

    private static Tensor LoadActivations(string file) => ActivationStore.LoadVerified(file);

    /// <summary>The prompt each row of the stored activations holds (prompts that failed during the capture have none).</summary>
    private static IReadOnlyList<int> PromptRows(string activationsFile, CampaignWorkspace workspace) =>
        ActivationStore.PromptRows(activationsFile, workspace.Prompts.Records.Count);

    private static (Tensor Refuse, Tensor Comply) Classes(Tensor activations, string activationsFile, CampaignWorkspace workspace)
    {
        IReadOnlyList<PromptRecord> records = workspace.Prompts.Records;
        IReadOnlyList<int> prompts = PromptRows(activationsFile, workspace);
        Tensor Rows(IReadOnlyList<string> categories) => tensor(Enumerable.Range(0, prompts.Count).Where(r => categories.Contains(records[prompts[r]].Category)).Select(r => (long)r).ToArray());
        return (activations.index_select(1, Rows(workspace.Refuse)), activations.index_select(1, Rows(workspace.Comply)));
    }
}
