using Geode.Analysis.Directions;
using Geode.Model.Edits;
using static TorchSharp.torch;

namespace Geode.Analysis.Surgery;

/// <summary>
/// Combining edits. Concatenation applies parts in order: on a writer touched by bases U₁ then U₂ it
/// computes (I − U₂U₂ᵀ)(I − U₁U₁ᵀ) W, which removes span(U₁) + span(U₂) only when the two are
/// orthogonal. <see cref="Union"/> removes the whole joint span in one projection.
/// </summary>
public static class EditComposition
{
    /// <summary>Every part of every edit, in order, as one edit.</summary>
    public static Edit Concatenate(string name, params IEnumerable<Edit> edits)
    {
        ArgumentNullException.ThrowIfNull(edits);
        return new Edit([.. edits.SelectMany(e => e.Parts)], name);
    }

    /// <summary>
    /// One part with basis orthonormal(span(U_a) + span(U_b)) (<see cref="Subspace.Union"/>), for two
    /// parts on the same layers and writers with the same α, variant and post-norm handling.
    /// </summary>
    /// <exception cref="ArgumentException">The parts differ in anything but their bases.</exception>
    public static EditPart Union(EditPart a, EditPart b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!a.Layers.Order().SequenceEqual(b.Layers.Order()) || !a.Writers.Order().SequenceEqual(b.Writers.Order())
            || a.Alpha != b.Alpha || a.Variant != b.Variant || a.PostNormAware != b.PostNormAware)
        {
            throw new ArgumentException("Only parts with the same layers, writers, α, variant and post-norm handling have a union; concatenate the others.", nameof(b));
        }

        using var scope = NewDisposeScope();
        Tensor union = Subspace.Union(a.Basis.to(ScalarType.Float64), b.Basis.to(ScalarType.Float64));
        return EditBuilder.Part(union, a.Layers, a.Writers, a.Alpha, a.Variant, a.PostNormAware);
    }
}
