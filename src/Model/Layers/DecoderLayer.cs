using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Inference;
using Geode.Model.Weights;
using static TorchSharp.torch;

namespace Geode.Model.Layers;

/// <summary>
/// One decoder layer. Gemma (sandwich norms):
/// <code>
/// h = h + post_attn_norm(attn(input_norm(h)))
/// h = h + post_ffw_norm(mlp(pre_ffw_norm(h)))
/// h = h + post_ple_norm(ple_proj(act(ple_gate(h)) ⊙ ple_l))   (Gemma 4 with per-layer inputs)
/// h = h · layer_scalar                                        (Gemma 4)
/// </code>
/// Llama (pre-norm): <c>h = h + attn(input_norm(h)); h = h + mlp(post_attn_norm(h))</c>.
/// Every writer's output is edited (when asked) before its post-norm, where the weight acts.
/// </summary>
internal sealed class DecoderLayer
{
    private readonly LayerSpec _spec;
    private readonly ModelConfig _config;
    private readonly RmsNorm _inputNorm;
    private readonly RmsNorm? _postAttentionNorm;
    private readonly RmsNorm _preMlpNorm;
    private readonly RmsNorm? _postMlpNorm;
    private readonly Linear? _perLayerGate;
    private readonly RmsNorm? _postPerLayerNorm;
    private readonly Tensor? _layerScalar;

    public DecoderLayer(LayerSpec spec, ModelConfig config, WeightStore weights, bool storesSharedKv)
    {
        _spec = spec;
        _config = config;
        string p = $"layers.{spec.Index}.";
        RmsNorm Norm(string name) => new(weights[p + name + ".weight"], config.RmsNormEps, config.NormAddsOne, castBeforeScale: config.Family == ModelFamily.Llama);
        Linear Proj(string name, bool bias) => new(WeightMatrix.From(weights, p + name + ".weight"), bias ? weights[p + name + ".bias"] : null);

        _inputNorm = Norm("input_layernorm");
        if (config.SandwichNorms)
        {
            _postAttentionNorm = Norm("post_attention_layernorm");
            _preMlpNorm = Norm("pre_feedforward_layernorm");
            _postMlpNorm = Norm("post_feedforward_layernorm");
        }
        else
        {
            // Llama names its pre-MLP norm post_attention_layernorm.
            _preMlpNorm = Norm("post_attention_layernorm");
        }

        bool shares = spec.SharesKv;
        Attention = new Attention(
            spec,
            config,
            Proj("self_attn.q_proj", config.QkvBias),
            shares ? null : Proj("self_attn.k_proj", config.QkvBias),
            shares ? null : Proj("self_attn.v_proj", config.QkvBias),
            Proj("self_attn.o_proj", config.OutputBias),
            config.QkNorm ? Norm("self_attn.q_norm") : null,
            config.QkNorm && !shares ? Norm("self_attn.k_norm") : null,
            config.ValueNorm && !shares ? new RmsNorm(null, config.RmsNormEps, addOne: false, castBeforeScale: false) : null,
            storesSharedKv);
        Mlp = new GatedMlp(
            spec.Index,
            config.Activation,
            Proj("mlp.gate_proj", config.MlpBias),
            Proj("mlp.up_proj", config.MlpBias),
            Proj("mlp.down_proj", config.MlpBias));

        if (config.PerLayerInputSize > 0)
        {
            _perLayerGate = Proj("per_layer_input_gate", bias: false);
            PerLayerProjection = Proj("per_layer_projection", bias: false);
            _postPerLayerNorm = Norm("post_per_layer_input_norm");
        }

        _layerScalar = config.LayerScalar ? weights.Find(p + "layer_scalar") : null;
    }

    public Attention Attention { get; }

    public GatedMlp Mlp { get; }

    /// <summary>Gemma 4's per-layer-input projection (a residual writer), or null.</summary>
    public Linear? PerLayerProjection { get; }

    /// <summary>The gain g [H] of the norm applied to a writer's output before it joins the stream; null when none.</summary>
    public Tensor? PostNormGain(WriterKind writer) => writer switch
    {
        WriterKind.AttentionOutput => _postAttentionNorm?.Gain(),
        WriterKind.MlpOutput => _postMlpNorm?.Gain(),
        _ => _postPerLayerNorm?.Gain(),
    };

    public Tensor Forward(Tensor h, ForwardContext context)
    {
        using var scope = NewDisposeScope();
        Tensor attention = Attention.Forward(_inputNorm.Forward(h), context);
        h = h + (_postAttentionNorm?.Forward(attention) ?? attention);

        Tensor mlp = Mlp.Forward(_preMlpNorm.Forward(h), context);
        h = h + (_postMlpNorm?.Forward(mlp) ?? mlp);

        if (_perLayerGate is not null && context.PerLayerInputs is not null)
        {
            // The gate reads the post-MLP residual itself, not a normalised copy.
            Tensor gated = GatedMlp.Activate(_perLayerGate.Forward(h), _config.Activation) * context.PerLayerInputs.select(2, _spec.Index);
            Tensor written = context.Edit(_spec.Index, WriterKind.PerLayerOutput, PerLayerProjection!.Forward(gated));
            h = h + _postPerLayerNorm!.Forward(written);
        }

        if (_layerScalar is not null)
        {
            h = h * _layerScalar;
        }

        return h.MoveToOuterDisposeScope();
    }
}
