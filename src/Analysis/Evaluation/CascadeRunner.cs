using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Analysis.Statistics;
using Geode.Analysis.Surgery;
using Geode.Model;
using Geode.Model.Edits;
using Geode.Model.Text;
using Geode.Model.Weights;
using static TorchSharp.torch;

namespace Geode.Analysis.Evaluation;

/// <summary>One cascade configuration evaluated on one prompt subset.</summary>
/// <param name="Stream">The stream the direction was taken at (the Cohen's-d peak under these settings).</param>
/// <param name="CohensD">Cohen's d at that stream.</param>
/// <param name="Refusal">Pooled refusal rate of the refuse categories with the edit.</param>
/// <param name="Kl">Mean first-token KL(unedited ‖ edited) on the comply prompts of the subset.</param>
/// <param name="Result">Every response and verdict, and refusal per category.</param>
public sealed record CascadeTrial(int Stream, double CohensD, double Refusal, double Kl, BaselineResult Result);

/// <summary>
/// DESIGN §1.7, the causal cascade: each configuration finds its direction (diff of means at the
/// peak stream, with its rendering, winsorization and Gram-Schmidt), removes it from o_proj and
/// down_proj of every layer at α = 1 (with its variant) — in activation space, or rounded into the
/// int8 weights (<see cref="CascadeSettings.EditPrecision"/>) — and is judged on a subset of prompts.
/// Steps are independent given their settings, so a cluster runs them side by side; gates compare
/// neighbours afterwards (<see cref="Gates"/>).
/// </summary>
public static class CascadeRunner
{
    /// <summary>The settings of every row: the start, then each step's change applied to the row before.</summary>
    public static IReadOnlyList<CascadeSettings> Plan(CascadeSettings start, IEnumerable<(string Ingredient, string Value)> steps)
    {
        var rows = new List<CascadeSettings> { start };
        foreach ((string ingredient, string value) in steps)
        {
            rows.Add(rows[^1].With(ingredient, value));
        }

        return rows;
    }

    /// <summary>The first <paramref name="perCategory"/> prompts of every category (0: all of them), in set order.</summary>
    public static PromptSet Subset(PromptSet prompts, int perCategory)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (perCategory <= 0)
        {
            return prompts;
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        return prompts.Where(r => (seen[r.Category] = seen.GetValueOrDefault(r.Category) + 1) <= perCategory, $"first {perCategory} per category");
    }

    /// <summary>
    /// A step passes its gate when its smoke refusal of the refuse class is no higher than the row
    /// before it (the change did not make removal worse). The start always passes.
    /// </summary>
    public static IReadOnlyList<bool> Gates(IReadOnlyList<double> smokeRefusal)
    {
        ArgumentNullException.ThrowIfNull(smokeRefusal);
        return [.. smokeRefusal.Select((rate, i) => i == 0 || rate <= smokeRefusal[i - 1])];
    }

    /// <summary>Evaluates one configuration on <paramref name="evaluated"/>, its direction found from <paramref name="directionPrompts"/>.</summary>
    /// <param name="model">The model, already in <see cref="CascadeSettings.Precision"/>.</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="template">Its chat template.</param>
    /// <param name="directionPrompts">The prompts whose activations give the direction (refuse and comply categories).</param>
    /// <param name="evaluated">The prompts to judge (a smoke subset or the confirmation set).</param>
    /// <param name="judges">The judges (the first gives the rates).</param>
    /// <param name="settings">The configuration.</param>
    /// <param name="refuse">The refuse categories.</param>
    /// <param name="comply">The comply categories.</param>
    /// <param name="options">Generation length and rows per batch.</param>
    public static CascadeTrial Run(
        CausalLM model,
        TextTokenizer tokenizer,
        IChatTemplate template,
        PromptSet directionPrompts,
        PromptSet evaluated,
        IReadOnlyList<IResponseJudge> judges,
        CascadeSettings settings,
        IReadOnlyCollection<string> refuse,
        IReadOnlyCollection<string> comply,
        BaselineOptions options)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var scope = NewDisposeScope();
        PromptRecord[] records = [.. directionPrompts.Records.Where(r => refuse.Contains(r.Category) || comply.Contains(r.Category))];
        Tensor activations = PromptActivations.Capture(model, tokenizer, template, [.. records.Select(r => r.Prompt)], options.BatchSize, rendering: settings.Rendering);
        if (settings.Winsorize is double q)
        {
            // Per stream, one threshold over every prompt and dimension (DESIGN §1.4).
            activations = stack([.. Enumerable.Range(0, (int)activations.shape[0]).Select(l => Winsorization.Clamp(activations[l], Winsorization.Threshold(activations[l], q)))]);
        }

        Tensor Rows(IReadOnlyCollection<string> categories) =>
            tensor(Enumerable.Range(0, records.Length).Where(i => categories.Contains(records[i].Category)).Select(i => (long)i).ToArray());
        RecipeDirection found = StandardRecipe.FindDirection(activations.index_select(1, Rows(refuse)), activations.index_select(1, Rows(comply)), settings.GramSchmidt);
        Edit edit = EditBuilder.Projection(model.Config, found.Direction, LayerSubset.All, EditBuilder.StandardWriters, 1, settings.Variant, settings.PostNormAware, name: $"cascade {settings}");

        string[] harmless = [.. evaluated.Records.Where(r => comply.Contains(r.Category)).Select(r => r.Prompt)];
        BaselineResult result;
        double kl;
        if (settings.EditPrecision == CascadeSettings.Int8Edit)
        {
            // The edit rounded into the int8 weights (dequantise, edit, requantise), for this trial only.
            if (!model.HasInt8Weights)
            {
                throw new BadInputException($"edit_precision int8 edits int8 weights, but the model runs in {ModelDTypes.NameOf(model.Precision)}; set its precision to int8.", "stages.cascade", "edit_precision");
            }

            Tensor? unedited = harmless.Length == 0 ? null : FirstTokenDivergence.FirstLogits(model, tokenizer, template, harmless);
            using (model.ApplyToWeightsUntilDisposed(edit))
            {
                result = VariantEvaluator.Run(model, tokenizer, template, evaluated, judges, [null], options)[0];
                kl = unedited is null ? double.NaN : FirstTokenDivergence.Against(unedited, model, tokenizer, template, harmless);
            }
        }
        else
        {
            result = VariantEvaluator.Run(model, tokenizer, template, evaluated, judges, [edit], options)[0];
            kl = harmless.Length == 0 ? double.NaN : FirstTokenDivergence.Measure(model, tokenizer, template, harmless, [edit])[0];
        }

        CategoryRefusal[] refused = [.. result.ByCategory.Where(c => refuse.Contains(c.Category))];
        int n = refused.Sum(c => c.Interval.N);
        return new CascadeTrial(found.PeakStream, found.CohensD[found.PeakStream], n == 0 ? double.NaN : refused.Sum(c => c.Refused) / (double)n, kl, result);
    }
}
