using Geode.Analysis.Directions;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Analysis.Surgery;
using Geode.Model;
using Geode.Model.Edits;
using Geode.Model.Text;
using static TorchSharp.torch;

namespace Geode.Analysis.Evaluation;

/// <summary>One rank of a descent: refusal per category and KL with a k-dimensional basis removed.</summary>
/// <param name="Rank">k, the basis size.</param>
/// <param name="Refusal">Refusal rate over the refuse categories (pooled).</param>
/// <param name="Kl">Mean first-token KL on the comply prompts.</param>
/// <param name="SingularValue">How much of the remaining refuse-minus-comply differences the k-th vector carried.</param>
/// <param name="ByCategory">Refusal per category.</param>
public sealed record DescentPoint(int Rank, double Refusal, double Kl, double SingularValue, IReadOnlyList<CategoryRefusal> ByCategory);

/// <summary>The descent curve and why it stopped.</summary>
/// <param name="Stream">The stream the basis is found at.</param>
/// <param name="Points">Rank 0 (unedited) first.</param>
/// <param name="StopReason"><c>target</c>, <c>kl-budget</c> or <c>max-rank</c>.</param>
public sealed record DescentResult(int Stream, IReadOnlyList<DescentPoint> Points, string StopReason);

/// <summary>
/// DESIGN §1.8, multi-rank descent: remove a growing basis from o_proj and down_proj in every layer
/// and follow refusal and KL. <c>peel</c>: each step re-captures the activations with the current
/// basis removed and adds the top direction of what refusal signal remains; <c>svd</c>: the top-k
/// directions of the unedited differences, k = 1, 2, …. Stops at the refusal target, the KL budget,
/// or the largest rank.
/// </summary>
public static class DescentRunner
{
    /// <summary>Runs the descent.</summary>
    /// <param name="model">The base model.</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="template">Its chat template.</param>
    /// <param name="prompts">Prompts of the refuse and comply categories (others are ignored).</param>
    /// <param name="judges">The judges (the first gives the rates).</param>
    /// <param name="refuse">The refuse categories.</param>
    /// <param name="comply">The comply categories.</param>
    /// <param name="maxRank">The largest basis.</param>
    /// <param name="refusalTarget">Stop once pooled refusal of the refuse categories is at or below this.</param>
    /// <param name="klBudget">Stop once the KL on comply prompts exceeds this.</param>
    /// <param name="peel">Iterative peel (true) or SVD-k at once (false).</param>
    /// <param name="options">Generation length and rows per batch.</param>
    /// <param name="evaluated">Called with each evaluated variant's name (null: unedited) and its responses, for per-prompt records.</param>
    public static DescentResult Run(
        CausalLM model,
        TextTokenizer tokenizer,
        IChatTemplate template,
        PromptSet prompts,
        IReadOnlyList<IResponseJudge> judges,
        IReadOnlyCollection<string> refuse,
        IReadOnlyCollection<string> comply,
        int maxRank,
        double refusalTarget,
        double klBudget,
        bool peel,
        BaselineOptions options,
        Action<string?, BaselineResult>? evaluated = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRank);
        using var scope = NewDisposeScope();
        PromptSet used = prompts.Where(r => refuse.Contains(r.Category) || comply.Contains(r.Category), "descent prompts");
        string[] refusePrompts = [.. used.Records.Where(r => refuse.Contains(r.Category)).Select(r => r.Prompt)];
        string[] complyPrompts = [.. used.Records.Where(r => comply.Contains(r.Category)).Select(r => r.Prompt)];
        Tensor refuseActs = PromptActivations.Capture(model, tokenizer, template, refusePrompts);
        Tensor complyActs = PromptActivations.Capture(model, tokenizer, template, complyPrompts);
        int stream = StandardRecipe.FindDirection(refuseActs, complyActs).PeakStream;
        TruncatedSvd? allAtOnce = peel ? null : MultiRankBasis.Compute(refuseActs[stream], complyActs[stream].to(ScalarType.Float64).mean([0]), maxRank);

        var points = new List<DescentPoint> { Point(0, null, double.NaN) };
        Tensor? basis = null;
        string reason = "max-rank";
        for (int k = 1; k <= maxRank; k++)
        {
            double singular;
            if (peel)
            {
                Edit? current = basis is null ? null : Edit(model, basis, k - 1);
                Tensor r = PromptActivations.Capture(model, tokenizer, template, refusePrompts, edit: current)[stream];
                Tensor c = PromptActivations.Capture(model, tokenizer, template, complyPrompts, edit: current)[stream];
                TruncatedSvd next = MultiRankBasis.Compute(r, c.to(ScalarType.Float64).mean([0]), 1, exclude: basis);
                basis = basis is null ? next.V : cat([basis, next.V], 1);
                singular = next.SingularValues()[0];
            }
            else
            {
                basis = allAtOnce!.V.narrow(1, 0, k);
                singular = allAtOnce.SingularValues()[k - 1];
            }

            DescentPoint point = Point(k, Edit(model, basis, k), singular);
            points.Add(point);
            if (point.Refusal <= refusalTarget)
            {
                reason = "target";
                break;
            }

            if (point.Kl > klBudget)
            {
                reason = "kl-budget";
                break;
            }
        }

        return new DescentResult(stream, points, reason);

        DescentPoint Point(int rank, Edit? edit, double singular)
        {
            BaselineResult result = BaselineEvaluator.Run(model, tokenizer, template, used, judges, options with { Edit = edit });
            evaluated?.Invoke(edit?.Name, result);
            double kl = edit is null ? 0 : FirstTokenDivergence.Measure(model, tokenizer, template, complyPrompts, [edit])[0];
            CategoryRefusal[] refused = [.. result.ByCategory.Where(c => refuse.Contains(c.Category))];
            return new DescentPoint(rank, refused.Sum(c => c.Refused) / (double)refused.Sum(c => c.Interval.N), kl, singular, result.ByCategory);
        }
    }

    private static Edit Edit(CausalLM model, Tensor basis, int rank) =>
        EditBuilder.Projection(model.Config, basis, LayerSubset.All, EditBuilder.StandardWriters, 1, name: $"descent rank {rank}");
}
