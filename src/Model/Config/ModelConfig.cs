namespace Geode.Model.Config;

/// <summary>
/// One decoder's shape and conventions, normalised from a Hugging Face <c>config.json</c> so the
/// forward pass never looks at family-specific keys. <see cref="ConfigReader"/> builds it.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>The <c>model_type</c> as written in the file (the text config's, for multimodal checkpoints).</summary>
    public required string ModelType { get; init; }

    /// <summary>The decoder family.</summary>
    public required ModelFamily Family { get; init; }

    /// <summary>H, the residual-stream width.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Query heads per layer.</summary>
    public required int NumHeads { get; init; }

    /// <summary>Key/value heads per layer (GQA when fewer than <see cref="NumHeads"/>, MQA at 1).</summary>
    public required int NumKvHeads { get; init; }

    /// <summary>Rows of the token embedding (and of the LM head).</summary>
    public required int VocabSize { get; init; }

    /// <summary>Per-layer facts, in order; its count is the number of layers L.</summary>
    public required IReadOnlyList<LayerSpec> Layers { get; init; }

    /// <summary>The window of sliding-attention layers, or null when no layer slides.</summary>
    public int? SlidingWindow { get; init; }

    /// <summary>RMSNorm epsilon.</summary>
    public required double RmsNormEps { get; init; }

    /// <summary>Gemma 3 norms scale by (1 + w); Gemma 4 and Llama by w.</summary>
    public bool NormAddsOne { get; init; }

    /// <summary>Gemma's four norms per layer (pre and post around attention and MLP) instead of Llama's two.</summary>
    public bool SandwichNorms { get; init; }

    /// <summary>RMSNorm over each query and key head (Gemma 3 and 4).</summary>
    public bool QkNorm { get; init; }

    /// <summary>A weightless RMSNorm over each value head (Gemma 4).</summary>
    public bool ValueNorm { get; init; }

    /// <summary>The factor on q·k: 1/√d for Llama, <c>query_pre_attn_scalar</c>^−½ for Gemma 3, 1 for Gemma 4.</summary>
    public required double AttentionScale { get; init; }

    /// <summary>Soft cap on attention logits (c·tanh(s/c)), or null.</summary>
    public double? AttentionSoftcap { get; init; }

    /// <summary>Soft cap on the final logits, or null.</summary>
    public double? FinalLogitSoftcap { get; init; }

    /// <summary>Biases on q, k and v projections (Qwen2; Llama with <c>attention_bias</c>).</summary>
    public bool QkvBias { get; init; }

    /// <summary>A bias on o_proj (Llama with <c>attention_bias</c>).</summary>
    public bool OutputBias { get; init; }

    /// <summary>Biases on the MLP projections (<c>mlp_bias</c>).</summary>
    public bool MlpBias { get; init; }

    /// <summary>The MLP's activation.</summary>
    public required Activation Activation { get; init; }

    /// <summary>Gemma multiplies embeddings by √H, rounded to the weight dtype.</summary>
    public bool ScaleEmbeddings { get; init; }

    /// <summary>P, the per-layer-embedding width (Gemma 4); 0 when the model has none.</summary>
    public int PerLayerInputSize { get; init; }

    /// <summary>Rows of the per-layer embedding table.</summary>
    public int PerLayerVocabSize { get; init; }

    /// <summary>Each layer ends by scaling the stream by a stored scalar (Gemma 4).</summary>
    public bool LayerScalar { get; init; }

    /// <summary>The LM head reuses the token embedding.</summary>
    public required bool TieWordEmbeddings { get; init; }

    /// <summary>The padding token id.</summary>
    public int PadTokenId { get; init; }

    /// <summary>The beginning-of-sequence token id, when the config names one.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>Token ids that end generation (config and generation_config together).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>The number of decoder layers L.</summary>
    public int NumLayers => Layers.Count;
}
