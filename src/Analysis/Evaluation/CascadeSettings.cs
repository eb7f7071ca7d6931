using Geode.Model.Edits;
using Geode.Model.Text;

namespace Geode.Analysis.Evaluation;

/// <summary>
/// The ingredients of one cascade configuration (DESIGN §1.7): how the direction is found and how
/// it is removed. A cascade starts from <see cref="Start"/> and each step changes one of them.
/// </summary>
/// <param name="Precision">The dtype the model runs in while the edit is evaluated (the caller loads it).</param>
/// <param name="Rendering">How prompts are rendered for capture.</param>
/// <param name="Winsorize">Winsorization quantile, or null for off.</param>
/// <param name="GramSchmidt">Orthogonalize the direction twice against the comply mean.</param>
/// <param name="Variant">Plain or norm-preserving projection.</param>
/// <param name="PostNormAware">Project against normalize(g ⊙ r) for writers followed by an RMSNorm.</param>
public sealed record CascadeSettings(string Precision, PromptRendering Rendering, double? Winsorize, bool GramSchmidt, EditVariant Variant, bool PostNormAware)
{
    /// <summary>The edit kept exact, applied to the writers' outputs in the model's compute dtype (what editing bf16 weights does).</summary>
    public const string ExactEdit = "bfloat16";

    /// <summary>The edit applied to the dequantised int8 writer weights and requantised, as an in-place int8 edit (needs int8 weights).</summary>
    public const string Int8Edit = "int8";

    /// <summary>How the edit reaches the model (<c>edit_precision</c>): <see cref="ExactEdit"/> or <see cref="Int8Edit"/>.</summary>
    public string EditPrecision { get; init; } = ExactEdit;

    /// <summary>
    /// Where the study's cascade begins: the field's common abliteration — raw-text directions, no
    /// winsorization or Gram-Schmidt, plain projection — in the model's own precision.
    /// </summary>
    public static CascadeSettings Start(string precision) =>
        new(precision, PromptRendering.Raw, null, false, EditVariant.Projection, false);

    /// <summary>These settings with <paramref name="ingredient"/> set to <paramref name="value"/> (campaign-file names and values).</summary>
    /// <exception cref="ArgumentException">The ingredient or value is unknown.</exception>
    public CascadeSettings With(string ingredient, string value) => ingredient switch
    {
        "precision" => this with { Precision = value },
        "input" => this with { Rendering = value == "raw" ? PromptRendering.Raw : PromptRendering.Template },
        "winsorize" => this with { Winsorize = value == "off" ? null : double.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
        "gram_schmidt" => this with { GramSchmidt = bool.Parse(value) },
        "variant" => this with { Variant = value == "norm_preserving" ? EditVariant.NormPreserving : EditVariant.Projection },
        "post_norm_aware" => this with { PostNormAware = bool.Parse(value) },
        "edit_precision" => this with { EditPrecision = value },
        _ => throw new ArgumentException($"'{ingredient}' is not a cascade ingredient.", nameof(ingredient)),
    };

    /// <summary>
    /// A one-line description, e.g. <c>float32 raw winsorize=off gram_schmidt=false projection post_norm_aware=false</c>
    /// (with <c> edit_precision=int8</c> at the end when the edit is requantised).
    /// </summary>
    public override string ToString() =>
        $"{Precision} {(Rendering == PromptRendering.Raw ? "raw" : "template")} winsorize={(Winsorize is double q ? q.ToString(System.Globalization.CultureInfo.InvariantCulture) : "off")} " +
        $"gram_schmidt={GramSchmidt.ToString().ToLowerInvariant()} {(Variant == EditVariant.NormPreserving ? "norm_preserving" : "projection")} post_norm_aware={PostNormAware.ToString().ToLowerInvariant()}" +
        (EditPrecision == ExactEdit ? string.Empty : $" edit_precision={EditPrecision}");
}
