namespace Geode.Model.Edits;

/// <summary>
/// A weight whose output is added to the residual stream. Checkpoint names: <c>o_proj</c>,
/// <c>down_proj</c>, <c>per_layer_projection</c> (Gemma 4 only).
/// </summary>
public enum WriterKind
{
    /// <summary>The attention output projection, <c>self_attn.o_proj</c>.</summary>
    AttentionOutput,

    /// <summary>The MLP output projection, <c>mlp.down_proj</c>.</summary>
    MlpOutput,

    /// <summary>Gemma 4's per-layer-input projection, <c>per_layer_projection</c>.</summary>
    PerLayerOutput,
}

/// <summary>Names of writers as they appear in checkpoints and on the command line.</summary>
public static class WriterNames
{
    /// <summary>The short name: <c>o_proj</c>, <c>down_proj</c> or <c>per_layer_projection</c>.</summary>
    public static string Name(this WriterKind writer) => writer switch
    {
        WriterKind.AttentionOutput => "o_proj",
        WriterKind.MlpOutput => "down_proj",
        _ => "per_layer_projection",
    };

    /// <summary>The canonical weight name of <paramref name="writer"/> in layer <paramref name="layer"/>.</summary>
    public static string WeightName(this WriterKind writer, int layer) => writer switch
    {
        WriterKind.AttentionOutput => $"layers.{layer}.self_attn.o_proj.weight",
        WriterKind.MlpOutput => $"layers.{layer}.mlp.down_proj.weight",
        _ => $"layers.{layer}.per_layer_projection.weight",
    };

    /// <summary>Parses a short name.</summary>
    /// <exception cref="BadInputException">The name is not a writer.</exception>
    public static WriterKind Parse(string name, string source) => name switch
    {
        "o_proj" => WriterKind.AttentionOutput,
        "down_proj" => WriterKind.MlpOutput,
        "per_layer_projection" => WriterKind.PerLayerOutput,
        _ => throw new BadInputException($"{source}: '{name}' is not a writer; use o_proj, down_proj or per_layer_projection.", source, "writers"),
    };
}
