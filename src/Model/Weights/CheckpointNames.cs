using System.Text.RegularExpressions;
using Geode.Model.Config;

namespace Geode.Model.Weights;

/// <summary>
/// Maps checkpoint tensor names to canonical ones: strips the text decoder's prefix
/// (<c>model.language_model.</c>, <c>language_model.model.</c>, <c>model.</c>) and drops what
/// belongs to vision and audio towers.
/// </summary>
internal static partial class CheckpointNames
{
    private static readonly string[] DecoderPrefixes = ["model.language_model.", "language_model.model.", "model."];
    private static readonly string[] HeadNames = ["lm_head.weight", "language_model.lm_head.weight", "model.language_model.lm_head.weight"];

    /// <summary>The canonical name, or null when the tensor is not part of the text decoder.</summary>
    public static string? Canonical(string checkpointName)
    {
        if (HeadNames.Contains(checkpointName))
        {
            return "lm_head.weight";
        }

        foreach (string prefix in DecoderPrefixes)
        {
            if (checkpointName.StartsWith(prefix, StringComparison.Ordinal))
            {
                string rest = checkpointName[prefix.Length..];

                // model.vision_tower.*, model.audio_tower.*, model.embed_vision.* ... are not the decoder.
                return rest.StartsWith("layers.", StringComparison.Ordinal)
                    || rest.StartsWith("embed_tokens", StringComparison.Ordinal)
                    || rest.StartsWith("norm.", StringComparison.Ordinal)
                    || rest.StartsWith("per_layer_", StringComparison.Ordinal)
                    ? rest
                    : null;
            }
        }

        return null;
    }

    /// <summary>
    /// True for a key/value projection or key norm (canonical name) of a layer that reuses another
    /// layer's keys and values: Google's Gemma 4 releases still store them, but nothing reads them.
    /// </summary>
    public static bool IsUnusedKv(ModelConfig config, string canonical)
    {
        Match match = KvTensor().Match(canonical);
        return match.Success
            && int.TryParse(match.Groups[1].ValueSpan, out int layer)
            && layer < config.NumLayers
            && config.Layers[layer].SharesKv;
    }

    [GeneratedRegex(@"^layers\.(\d+)\.self_attn\.(k_proj|v_proj|k_norm)\.")]
    private static partial Regex KvTensor();
}
