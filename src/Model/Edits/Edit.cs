using Geode.Model.Config;

namespace Geode.Model.Edits;

/// <summary>
/// A weight edit: parts applied in order. The same edit applies to weights (for export) or to
/// writer outputs during a forward pass; the two agree exactly.
/// </summary>
/// <param name="Parts">The terms, in application order.</param>
/// <param name="Name">A label for reports.</param>
public sealed record Edit(IReadOnlyList<EditPart> Parts, string Name = "edit")
{
    /// <summary>The edit that changes nothing.</summary>
    public static Edit None { get; } = new([], "none");

    /// <summary>The file the edit was loaded from, or null; error messages name it.</summary>
    public string? Source { get; init; }

    /// <summary>
    /// Checks that the edit fits a model before anything is applied: every layer exists, every
    /// writer exists in that architecture, no layer is listed twice in a part, and every basis is
    /// [H, k] with H the model's hidden size.
    /// </summary>
    /// <exception cref="BadInputException">The edit does not fit; the message names the edit's file (or name) and the part.</exception>
    public void Validate(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        string where = Source ?? $"edit '{Name}'";
        for (int i = 0; i < Parts.Count; i++)
        {
            EditPart part = Parts[i];
            string field = $"parts[{i}]";
            if (part.Basis.dim() != 2 || part.Basis.shape[0] != config.HiddenSize || part.Basis.shape[1] < 1)
            {
                throw new BadInputException(
                    $"{where}: {field} has a basis of shape [{string.Join(", ", part.Basis.shape)}]; {config.ModelType} needs [hidden_size={config.HiddenSize}, k ≥ 1].",
                    where,
                    $"{field}.basis");
            }

            var seen = new HashSet<int>();
            foreach (int layer in part.Layers)
            {
                if (layer < 0 || layer >= config.NumLayers)
                {
                    throw new BadInputException(
                        $"{where}: {field}.layers lists layer {layer}; the model has layers 0..{config.NumLayers - 1}.",
                        where,
                        $"{field}.layers");
                }

                if (!seen.Add(layer))
                {
                    throw new BadInputException($"{where}: {field}.layers lists layer {layer} twice.", where, $"{field}.layers");
                }
            }

            if (part.Writers.Contains(WriterKind.PerLayerOutput) && config.PerLayerInputSize == 0)
            {
                throw new BadInputException(
                    $"{where}: {field}.writers names per_layer_projection, which {config.ModelType} lacks; use o_proj or down_proj.",
                    where,
                    $"{field}.writers");
            }

            if (part.Writers.Distinct().Count() != part.Writers.Count)
            {
                throw new BadInputException($"{where}: {field}.writers lists a writer twice.", where, $"{field}.writers");
            }
        }
    }
}
