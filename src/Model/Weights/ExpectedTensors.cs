using Geode.Model.Config;

namespace Geode.Model.Weights;

/// <summary>
/// Every tensor a configuration implies, by canonical name, with its shape. The loader checks a
/// checkpoint against this list before reading a byte of tensor data.
/// </summary>
internal static class ExpectedTensors
{
    public static Dictionary<string, long[]> For(ModelConfig c)
    {
        long h = c.HiddenSize;
        var expected = new Dictionary<string, long[]>(StringComparer.Ordinal)
        {
            ["embed_tokens.weight"] = [c.VocabSize, h],
            ["norm.weight"] = [h],
        };
        if (!c.TieWordEmbeddings)
        {
            expected["lm_head.weight"] = [c.VocabSize, h];
        }

        if (c.PerLayerInputSize > 0)
        {
            long total = (long)c.NumLayers * c.PerLayerInputSize;
            expected["embed_tokens_per_layer.weight"] = [c.PerLayerVocabSize, total];
            expected["per_layer_model_projection.weight"] = [total, h];
            expected["per_layer_projection_norm.weight"] = [c.PerLayerInputSize];
        }

        foreach (LayerSpec layer in c.Layers)
        {
            string p = $"layers.{layer.Index}.";
            long q = (long)c.NumHeads * layer.HeadDim, kv = (long)c.NumKvHeads * layer.HeadDim, width = layer.IntermediateSize;
            expected[p + "input_layernorm.weight"] = [h];
            expected[p + "post_attention_layernorm.weight"] = [h];
            expected[p + "self_attn.q_proj.weight"] = [q, h];
            expected[p + "self_attn.o_proj.weight"] = [h, q];
            if (!layer.SharesKv)
            {
                expected[p + "self_attn.k_proj.weight"] = [kv, h];
                expected[p + "self_attn.v_proj.weight"] = [kv, h];
            }

            if (c.QkvBias)
            {
                expected[p + "self_attn.q_proj.bias"] = [q];
                if (!layer.SharesKv)
                {
                    expected[p + "self_attn.k_proj.bias"] = [kv];
                    expected[p + "self_attn.v_proj.bias"] = [kv];
                }
            }

            if (c.OutputBias)
            {
                expected[p + "self_attn.o_proj.bias"] = [h];
            }

            if (c.QkNorm)
            {
                expected[p + "self_attn.q_norm.weight"] = [layer.HeadDim];
                if (!layer.SharesKv)
                {
                    expected[p + "self_attn.k_norm.weight"] = [layer.HeadDim];
                }
            }

            if (c.SandwichNorms)
            {
                expected[p + "pre_feedforward_layernorm.weight"] = [h];
                expected[p + "post_feedforward_layernorm.weight"] = [h];
            }

            expected[p + "mlp.gate_proj.weight"] = [width, h];
            expected[p + "mlp.up_proj.weight"] = [width, h];
            expected[p + "mlp.down_proj.weight"] = [h, width];
            if (c.MlpBias)
            {
                expected[p + "mlp.gate_proj.bias"] = [width];
                expected[p + "mlp.up_proj.bias"] = [width];
                expected[p + "mlp.down_proj.bias"] = [h];
            }

            if (c.PerLayerInputSize > 0)
            {
                expected[p + "per_layer_input_gate.weight"] = [c.PerLayerInputSize, h];
                expected[p + "per_layer_projection.weight"] = [h, c.PerLayerInputSize];
                expected[p + "post_per_layer_input_norm.weight"] = [h];
            }

            if (c.LayerScalar)
            {
                expected[p + "layer_scalar"] = [1];
            }
        }

        return expected;
    }
}
