using Geode.Analysis.Directions;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Analysis.Surgery;
using Geode.Model;
using Geode.Model.Edits;
using Geode.Model.Text;
using static TorchSharp.torch;

namespace Geode.Analysis.Evaluation;

/// <summary>One strength of a selective edit: refusal of the freed and kept categories, and KL.</summary>
/// <param name="Alpha">The strength.</param>
/// <param name="Freed">Refusal rate over the categories to free (pooled).</param>
/// <param name="Kept">Refusal rate over the categories to keep (pooled).</param>
/// <param name="Kl">Mean first-token KL on the control category's prompts.</param>
/// <param name="ByCategory">Refusal per category.</param>
/// <param name="OnFront">Whether no other strength is at least as good on all three objectives and better on one.</param>
public sealed record SelectivePoint(double Alpha, double Freed, double Kept, double Kl, IReadOnlyList<CategoryRefusal> ByCategory, bool OnFront);

/// <summary>The selective stage's outcome.</summary>
/// <param name="CosineFreedKept">cos(d_free, d_keep) before orthogonalization: how entangled the two refusals are.</param>
/// <param name="Layer">The stream the directions come from.</param>
/// <param name="Points">Per strength, α = 0 (the unedited model) first.</param>
public sealed record SelectiveResult(double CosineFreedKept, int Layer, IReadOnlyList<SelectivePoint> Points);

/// <summary>
/// DESIGN §1.9: the direction of the benign over-refusal categories (μ_free − μ_control),
/// orthogonalized twice against the direction of the categories to keep (μ_keep − μ_control),
/// removed from o_proj and down_proj in every layer at each α; the objective is two-sided —
/// freed refusal down, kept refusal up, KL small — so the result is the Pareto front over α.
/// </summary>
public static class SelectiveRunner
{
    /// <summary>Runs the stage.</summary>
    /// <param name="model">The base model.</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="template">Its chat template.</param>
    /// <param name="prompts">Prompts of the freed, kept and control categories (others are ignored).</param>
    /// <param name="judges">The judges (the first gives the rates).</param>
    /// <param name="free">Categories whose refusal should go.</param>
    /// <param name="keep">Categories whose refusal should stay.</param>
    /// <param name="control">The harmless category the directions are measured from.</param>
    /// <param name="alphas">Strengths to try besides 0.</param>
    /// <param name="options">Generation length and rows per batch.</param>
    /// <param name="evaluated">Called with each evaluated variant's name (null: unedited) and its responses, for per-prompt records.</param>
    public static SelectiveResult Run(
        CausalLM model,
        TextTokenizer tokenizer,
        IChatTemplate template,
        PromptSet prompts,
        IReadOnlyList<IResponseJudge> judges,
        IReadOnlyCollection<string> free,
        IReadOnlyCollection<string> keep,
        string control,
        IReadOnlyList<double> alphas,
        BaselineOptions options,
        Action<string?, BaselineResult>? evaluated = null)
    {
        using var scope = NewDisposeScope();
        PromptSet used = prompts.Where(r => free.Contains(r.Category) || keep.Contains(r.Category) || r.Category == control, "selective prompts");
        PromptRecord[] records = [.. used.Records];
        Tensor activations = PromptActivations.Capture(model, tokenizer, template, [.. records.Select(r => r.Prompt)]);
        Tensor Rows(Func<PromptRecord, bool> which) => tensor(Enumerable.Range(0, records.Length).Where(i => which(records[i])).Select(i => (long)i).ToArray());
        Tensor Mean(int layer, Func<PromptRecord, bool> which) => activations[layer].index_select(0, Rows(which)).to(ScalarType.Float64).mean([0]);
        bool IsKept(PromptRecord r) => keep.Contains(r.Category);
        bool IsControl(PromptRecord r) => r.Category == control;

        // The stream where the kept class separates best from the control: the standard recipe's peak.
        int layer = StandardRecipe.FindDirection(activations.index_select(1, Rows(IsKept)), activations.index_select(1, Rows(IsControl))).PeakStream;
        Tensor controlMean = Mean(layer, IsControl);
        Tensor freeDirection = RefusalDirection.DiffOfMeans(Mean(layer, r => free.Contains(r.Category)), controlMean);
        Tensor keepDirection = RefusalDirection.DiffOfMeans(Mean(layer, IsKept), controlMean);
        double cosine = freeDirection.dot(keepDirection).item<double>();
        Tensor selective = RefusalDirection.OrthogonalizeTwice(freeDirection, keepDirection);

        double[] strengths = [0, .. alphas.Where(a => a != 0)];
        Edit?[] edits = [.. strengths.Select(a => a == 0 ? null : EditBuilder.Projection(model.Config, selective, LayerSubset.All, EditBuilder.StandardWriters, a, name: $"selective α={a}"))];
        IReadOnlyList<BaselineResult> results = VariantEvaluator.Run(model, tokenizer, template, used, judges, edits, options);
        for (int i = 0; i < edits.Length; i++)
        {
            evaluated?.Invoke(edits[i]?.Name, results[i]);
        }

        string[] harmless = [.. records.Where(r => r.Category == control).Select(r => r.Prompt)];
        IReadOnlyList<double> kl = FirstTokenDivergence.Measure(model, tokenizer, template, harmless, [.. edits.Select(e => e ?? Edit.None)]);

        (double Freed, double Kept, double Kl)[] objectives = [.. results.Select((r, i) => (Pooled(r, free), Pooled(r, keep), kl[i]))];
        SelectivePoint[] points =
        [
            .. strengths.Select((a, i) => new SelectivePoint(a, objectives[i].Freed, objectives[i].Kept, objectives[i].Kl, results[i].ByCategory, !objectives.Any(o => Dominates(o, objectives[i])))),
        ];
        return new SelectiveResult(cosine, layer, points);
    }

    private static double Pooled(BaselineResult result, IReadOnlyCollection<string> categories)
    {
        CategoryRefusal[] chosen = [.. result.ByCategory.Where(c => categories.Contains(c.Category))];
        int n = chosen.Sum(c => c.Interval.N);
        return n == 0 ? double.NaN : chosen.Sum(c => c.Refused) / (double)n;
    }

    /// <summary>a is at least as good as b everywhere (freed lower, kept higher, KL lower) and better somewhere.</summary>
    private static bool Dominates((double Freed, double Kept, double Kl) a, (double Freed, double Kept, double Kl) b) =>
        a.Freed <= b.Freed && a.Kept >= b.Kept && a.Kl <= b.Kl && (a.Freed < b.Freed || a.Kept > b.Kept || a.Kl < b.Kl);
}
