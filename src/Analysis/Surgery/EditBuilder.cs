using Geode.Analysis.Directions;
using Geode.Model.Config;
using Geode.Model.Edits;
using static TorchSharp.torch;

namespace Geode.Analysis.Surgery;

/// <summary>
/// Turns directions into <see cref="Edit"/>s: on each selected layer and writer,
/// <c>W ← W − α U Uᵀ W</c> (or its norm-preserving / post-norm-aware variants). The model resolves and
/// applies them; this only decides what goes into each <see cref="EditPart"/>.
/// </summary>
public static class EditBuilder
{
    /// <summary>The writers the field edits: o_proj and down_proj.</summary>
    public static IReadOnlyList<WriterKind> StandardWriters { get; } = [WriterKind.AttentionOutput, WriterKind.MlpOutput];

    /// <summary>Every writer the architecture has (Gemma 4 adds per_layer_projection).</summary>
    public static IReadOnlyList<WriterKind> AllWriters(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.PerLayerInputSize > 0 ? [.. StandardWriters, WriterKind.PerLayerOutput] : StandardWriters;
    }

    /// <summary>
    /// One part removing span(<paramref name="basis"/>) ([H] or [H, k], any float dtype) from the
    /// writers of every layer in <paramref name="layers"/>. The basis is orthonormalised here with
    /// dependent columns dropped (<see cref="Subspace.Orthonormalize"/>) and stored float32 on the CPU.
    /// </summary>
    /// <exception cref="Geode.Model.BadInputException">The edit does not fit the model (see <see cref="Edit.Validate"/>).</exception>
    public static Edit Projection(
        ModelConfig config,
        Tensor basis,
        LayerSubset layers,
        IReadOnlyList<WriterKind> writers,
        double alpha = 1,
        EditVariant variant = EditVariant.Projection,
        bool postNormAware = false,
        string name = "projection")
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(layers);
        var edit = new Edit([Part(basis, layers.Resolve(config), writers, alpha, variant, postNormAware)], name);
        edit.Validate(config);
        return edit;
    }

    /// <summary>
    /// One part per layer, each with its own basis (<paramref name="bases"/>: decoder layer → [H] or
    /// [H, k]), in ascending layer order — for per-layer directions such as r_l.
    /// </summary>
    /// <exception cref="Geode.Model.BadInputException">The edit does not fit the model.</exception>
    public static Edit PerLayer(
        ModelConfig config,
        IReadOnlyDictionary<int, Tensor> bases,
        IReadOnlyList<WriterKind> writers,
        double alpha = 1,
        EditVariant variant = EditVariant.Projection,
        bool postNormAware = false,
        string name = "per-layer projection")
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(bases);
        var edit = new Edit([.. bases.OrderBy(b => b.Key).Select(b => Part(b.Value, [b.Key], writers, alpha, variant, postNormAware))], name);
        edit.Validate(config);
        return edit;
    }

    /// <summary>
    /// One part per layer of <paramref name="layers"/> from per-stream directions r_l
    /// (<paramref name="streamDirections"/> [L+1, H], row l = the residual after layer l−1): decoder
    /// layer i's writers are projected against row i + 1, the state they write into (heretic's rule).
    /// </summary>
    /// <exception cref="Geode.Model.BadInputException">The directions do not fit the model.</exception>
    public static Edit FromStreamDirections(
        ModelConfig config,
        Tensor streamDirections,
        LayerSubset layers,
        IReadOnlyList<WriterKind> writers,
        double alpha = 1,
        EditVariant variant = EditVariant.Projection,
        bool postNormAware = false,
        string name = "per-layer directions")
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(streamDirections);
        ArgumentNullException.ThrowIfNull(layers);
        if (streamDirections.dim() != 2 || streamDirections.shape[0] != config.NumLayers + 1 || streamDirections.shape[1] != config.HiddenSize)
        {
            throw new Geode.Model.BadInputException(
                $"{name}: per-stream directions must be [L+1={config.NumLayers + 1}, H={config.HiddenSize}]; found [{string.Join(", ", streamDirections.shape)}].",
                name,
                "directions");
        }

        var bases = layers.Resolve(config).ToDictionary(layer => layer, layer => streamDirections[layer + 1]);
        return PerLayer(config, bases, writers, alpha, variant, postNormAware, name);
    }

    internal static EditPart Part(Tensor basis, IReadOnlyList<int> layers, IReadOnlyList<WriterKind> writers, double alpha, EditVariant variant, bool postNormAware)
    {
        ArgumentNullException.ThrowIfNull(basis);
        ArgumentNullException.ThrowIfNull(writers);
        if (!double.IsFinite(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be finite.");
        }

        Tensor stored;
        using (NewDisposeScope())
        {
            // Edits outlive the analysis that built them: their bases belong to no dispose scope.
            stored = Subspace.Orthonormalize(basis.to(ScalarType.Float64)).to(ScalarType.Float32, CPU).contiguous().DetachFromDisposeScope();
        }

        return new EditPart([.. layers], [.. writers], stored, alpha, variant, postNormAware);
    }
}
