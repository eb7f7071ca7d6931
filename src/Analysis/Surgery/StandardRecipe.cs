using Geode.Analysis.Directions;
using Geode.Model.Config;
using Geode.Model.Edits;
using static TorchSharp.torch;

namespace Geode.Analysis.Surgery;

/// <summary>The direction the standard recipe found and why.</summary>
/// <param name="Direction">r = normalize(μ_refuse − μ_comply) at the peak stream index, [H] float64.</param>
/// <param name="PeakStream">The stream index l (0..L) with the largest Cohen's d.</param>
/// <param name="CohensD">Cohen's d of the projections on each stream's own direction, l = 0..L.</param>
public sealed record RecipeDirection(Tensor Direction, int PeakStream, IReadOnlyList<double> CohensD);

/// <summary>
/// The field's standard abliteration (Arditi et al.; the study's starting point): the diff-of-means
/// direction at the layer where it separates the classes best, removed by a rank-1 projection of
/// o_proj and down_proj in every layer at α = 1.
/// </summary>
public static class StandardRecipe
{
    /// <summary>Finds the direction from last-token residuals [L+1, N, H] of refused and complied prompts.</summary>
    public static RecipeDirection FindDirection(Tensor refuse, Tensor comply, bool orthogonalizeToComply = false)
    {
        using var scope = NewDisposeScope();
        Tensor meanRefuse = refuse.to(ScalarType.Float64).mean([1]);
        Tensor meanComply = comply.to(ScalarType.Float64).mean([1]);
        // Stream 0 is the embedding of the last token — with a chat template the same token for
        // every prompt, so the classes cannot differ there. Search l = 1..L.
        int streams = (int)refuse.shape[0];
        int[] candidates = [.. Enumerable.Range(1, streams - 1)];
        Tensor directions = stack([.. candidates.Select(l => RefusalDirection.DiffOfMeans(meanRefuse[l], meanComply[l], orthogonalizeToComply))]);
        double[] found = Separation.CohensDByLayer(
            [.. candidates.Select(l => refuse[l])],
            [.. candidates.Select(l => comply[l])],
            directions);
        double[] effect = [0, .. found];
        int peak = 1 + Separation.PeakLayer(found);
        return new RecipeDirection(directions[peak - 1].MoveToOuterDisposeScope(), peak, effect);
    }

    /// <summary>The rank-1, α = 1 projection of o_proj and down_proj in every layer against <paramref name="direction"/>.</summary>
    public static Edit Edit(ModelConfig config, Tensor direction, string name = "standard recipe") =>
        EditBuilder.Projection(config, direction, LayerSubset.All, EditBuilder.StandardWriters, alpha: 1, EditVariant.Projection, postNormAware: false, name: name);
}
