using Geode.Analysis.Directions;
using Geode.Analysis.Judges;
using Geode.Analysis.Measures;
using Geode.Analysis.Prompts;
using Geode.Analysis.Surgery;
using Geode.Model;
using Geode.Model.Edits;
using Geode.Model.Text;
using static TorchSharp.torch;

namespace Geode.Analysis.Evaluation;

/// <summary>One sweep variant: a direction (or a random control) removed at α from a layer subset.</summary>
/// <param name="Recipe">The direction recipe, or <c>random</c> for a control.</param>
/// <param name="Layers">The layer subset's text form.</param>
/// <param name="Alpha">The strength.</param>
/// <param name="Control">For a random control, its index (0-based); null for the recipe's own direction.</param>
/// <param name="Refusal">Refused / n per category under the primary judge.</param>
/// <param name="Kl">Mean first-token KL(unedited ‖ edited) on the KL prompts, in nats.</param>
/// <param name="McNemar">Paired test of refusal against the unedited model over all prompts.</param>
public sealed record SweepRow(string Recipe, string Layers, double Alpha, int? Control, IReadOnlyList<CategoryRefusal> Refusal, double Kl, McNemarResult McNemar);

/// <summary>
/// DESIGN §1.6: α grid × layer subsets × direction recipes, each variant with its random-direction
/// controls, evaluated side by side (<see cref="VariantEvaluator"/>) with refusal per category,
/// first-token KL on harmless prompts, and McNemar against the unedited model.
/// </summary>
public static class SweepRunner
{
    /// <summary>Runs the sweep.</summary>
    /// <param name="model">The base model.</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="template">Its chat template.</param>
    /// <param name="prompts">The prompts to judge.</param>
    /// <param name="klPrompts">Harmless prompts for the KL measure.</param>
    /// <param name="judges">The judges (the first gives the rates).</param>
    /// <param name="directions">Recipe name → unit direction [H].</param>
    /// <param name="layers">Layer subsets.</param>
    /// <param name="alphas">Strengths.</param>
    /// <param name="randomControls">Random unit directions per (layers, α).</param>
    /// <param name="options">Generation length and rows per batch.</param>
    /// <param name="seed">Seed of the random controls.</param>
    /// <param name="progress">Called with the fraction of generation rows done (the KL pass after them is short).</param>
    /// <param name="evaluated">Called with each evaluated variant's name (null: unedited) and its responses, for per-prompt records.</param>
    /// <returns>The unedited baseline, then one row per variant: recipes first, then controls.</returns>
    public static (BaselineResult Unedited, IReadOnlyList<SweepRow> Rows) Run(
        CausalLM model,
        TextTokenizer tokenizer,
        IChatTemplate template,
        PromptSet prompts,
        IReadOnlyList<string> klPrompts,
        IReadOnlyList<IResponseJudge> judges,
        IReadOnlyDictionary<string, Tensor> directions,
        IReadOnlyList<LayerSubset> layers,
        IReadOnlyList<double> alphas,
        int randomControls,
        BaselineOptions options,
        long seed = 0,
        Action<double>? progress = null,
        Action<string?, BaselineResult>? evaluated = null)
    {
        using var scope = NewDisposeScope();
        Tensor controls = RandomDirections.Sample(Math.Max(1, randomControls), model.Config.HiddenSize, seed);
        var variants = new List<(string Recipe, LayerSubset Layers, double Alpha, int? Control, Edit Edit)>();
        foreach (LayerSubset subset in layers)
        {
            foreach (double alpha in alphas)
            {
                foreach ((string recipe, Tensor direction) in directions)
                {
                    variants.Add((recipe, subset, alpha, null, Build(model, direction, subset, alpha, $"{recipe} {subset} α={alpha}")));
                }

                for (int c = 0; c < randomControls; c++)
                {
                    variants.Add(("random", subset, alpha, c, Build(model, controls[c], subset, alpha, $"random {c} {subset} α={alpha}")));
                }
            }
        }

        int total = (variants.Count + 1) * prompts.Records.Count;
        IReadOnlyList<BaselineResult> results = VariantEvaluator.Run(model, tokenizer, template, prompts, judges, [null, .. variants.Select(v => v.Edit)], options, done => progress?.Invoke(done / (double)total));
        evaluated?.Invoke(null, results[0]);
        for (int i = 0; i < variants.Count; i++)
        {
            evaluated?.Invoke(variants[i].Edit.Name, results[i + 1]);
        }

        IReadOnlyList<double> kl = FirstTokenDivergence.Measure(model, tokenizer, template, klPrompts, [.. variants.Select(v => v.Edit)]);
        bool[] unedited = [.. results[0].Responses.Select(r => r.Verdicts[0].Refused)];
        SweepRow[] rows =
        [
            .. variants.Select((v, i) => new SweepRow(
                v.Recipe,
                v.Layers.ToString(),
                v.Alpha,
                v.Control,
                results[i + 1].ByCategory,
                kl[i],
                McNemarTest.Compute(unedited, [.. results[i + 1].Responses.Select(r => r.Verdicts[0].Refused)]))),
        ];
        return (results[0], rows);
    }

    private static Edit Build(CausalLM model, Tensor direction, LayerSubset layers, double alpha, string name) =>
        EditBuilder.Projection(model.Config, direction, layers, EditBuilder.StandardWriters, alpha, name: name);
}
