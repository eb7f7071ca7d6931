using static TorchSharp.torch;

namespace Geode.Model.Edits;

/// <summary>
/// One term of an edit: on every listed layer and writer, remove α times the component of the
/// writer's output that lies in span(U).
/// </summary>
/// <param name="Layers">The layers it applies to.</param>
/// <param name="Writers">The writers it applies to in each of those layers.</param>
/// <param name="Basis">U [H, k], float32 on the CPU; orthonormalised when the edit is resolved.</param>
/// <param name="Alpha">The strength α (1 removes the component entirely).</param>
/// <param name="Variant">Plain projection or norm-preserving.</param>
/// <param name="PostNormAware">
/// Project against normalize(g ⊙ U) instead of U, where g is the gain of the RMSNorm that follows the
/// writer (Gemma's post-norms): exact removal from what reaches the stream. Without a post-norm
/// (Llama) g = 1 and this is the plain projection.
/// </param>
public sealed record EditPart(
    IReadOnlyList<int> Layers,
    IReadOnlyList<WriterKind> Writers,
    Tensor Basis,
    double Alpha,
    EditVariant Variant = EditVariant.Projection,
    bool PostNormAware = false);
