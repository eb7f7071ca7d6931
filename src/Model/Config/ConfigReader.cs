using System.Globalization;

namespace Geode.Model.Config;

/// <summary>
/// Reads a Hugging Face checkpoint's <c>config.json</c> (and <c>generation_config.json</c>, for stop
/// ids) into a <see cref="ModelConfig"/>. Accepts transformers 4.x keys (<c>rope_theta</c>,
/// <c>rope_scaling</c>) and 5.x keys (<c>rope_parameters</c>, <c>per_layer_config</c>), and the text
/// config nested inside a multimodal Gemma checkpoint.
/// </summary>
public static class ConfigReader
{
    /// <summary>The <c>model_type</c> values Geode runs, and the family each belongs to.</summary>
    public static IReadOnlyDictionary<string, ModelFamily> SupportedModelTypes { get; } = new Dictionary<string, ModelFamily>
    {
        ["gemma4"] = ModelFamily.Gemma4,
        ["gemma4_text"] = ModelFamily.Gemma4,
        ["gemma3"] = ModelFamily.Gemma3,
        ["gemma3_text"] = ModelFamily.Gemma3,
        ["llama"] = ModelFamily.Llama,
        ["qwen2"] = ModelFamily.Llama,
        ["mistral"] = ModelFamily.Llama,
    };

    /// <summary>
    /// The most decoder layers a config may declare. The largest released decoders have about 130
    /// (Llama 3.1 405B: 126); the reader builds a list entry per layer, so an unchecked count of 2^31
    /// from a corrupt file would allocate gigabytes before anything else could object.
    /// </summary>
    public const int MaxLayers = 1024;

    /// <summary>Reads <c>config.json</c> from a checkpoint folder.</summary>
    /// <exception cref="BadInputException">The file is missing, malformed, or describes something Geode cannot run.</exception>
    public static ModelConfig Read(string folder)
    {
        string generationPath = Path.Combine(folder, "generation_config.json");
        return FromJson(JsonFields.Load(Path.Combine(folder, "config.json")), File.Exists(generationPath) ? generationPath : null);
    }

    /// <summary>Reads a config from JSON text (a built-in preset, say); <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="BadInputException">The JSON is malformed or describes something Geode cannot run.</exception>
    public static ModelConfig Parse(string json, string source) => FromJson(JsonFields.Parse(json, source), null);

    private static ModelConfig FromJson(JsonFields root, string? generationPath)
    {
        string topType = root.String("model_type");
        if (!SupportedModelTypes.ContainsKey(topType))
        {
            throw root.Error("model_type", $"is '{topType}', which Geode does not run; supported: {string.Join(", ", SupportedModelTypes.Keys)}.");
        }

        // Multimodal Gemma checkpoints keep the decoder's settings in text_config.
        JsonFields text = root.OptionalChild("text_config") ?? root;
        string modelType = text.OptionalString("model_type") ?? topType;
        if (!SupportedModelTypes.TryGetValue(modelType, out ModelFamily family))
        {
            throw text.Error("model_type", $"is '{modelType}', which Geode does not run; supported: {string.Join(", ", SupportedModelTypes.Keys)}.");
        }

        ModelConfig config = family switch
        {
            ModelFamily.Gemma4 => ReadGemma4(text, modelType),
            ModelFamily.Gemma3 => ReadGemma3(text, modelType),
            _ => ReadLlama(text, modelType),
        };

        var eos = new List<int>(text.IntOrList("eos_token_id"));
        if (!ReferenceEquals(text, root))
        {
            eos.AddRange(root.IntOrList("eos_token_id"));
        }

        if (generationPath is not null)
        {
            eos.AddRange(JsonFields.Load(generationPath).IntOrList("eos_token_id"));
        }

        return config with
        {
            PadTokenId = text.OptionalInt("pad_token_id") ?? root.OptionalInt("pad_token_id") ?? 0,
            BosTokenId = text.OptionalInt("bos_token_id") ?? root.OptionalInt("bos_token_id"),
            EosTokenIds = [.. eos.Distinct()],
            TieWordEmbeddings = text.OptionalBool("tie_word_embeddings", root.OptionalBool("tie_word_embeddings", config.TieWordEmbeddings)),
        };
    }

    private static ModelConfig ReadGemma4(JsonFields c, string modelType)
    {
        foreach ((string flag, string what) in new[] { ("attention_k_eq_v", "shared K=V projections"), ("enable_moe_block", "mixture-of-experts blocks") })
        {
            if (c.OptionalBool(flag, false))
            {
                throw c.Error(flag, $"is true: {what} (Gemma 4 26B/31B) are not implemented; Geode runs the E2B/E4B decoder.");
            }
        }

        if (c.Has("use_bidirectional_attention"))
        {
            throw c.Error("use_bidirectional_attention", "is set: bidirectional attention (Gemma 4 26B/31B) is not implemented.");
        }

        int hidden = Positive(c, "hidden_size");
        int heads = Positive(c, "num_attention_heads");
        int kvHeads = Positive(c, "num_key_value_heads");
        int? globalKv = c.OptionalInt("num_global_key_value_heads");
        if (globalKv is not null && globalKv != kvHeads)
        {
            throw c.Error("num_global_key_value_heads", $"is {globalKv}, unlike num_key_value_heads {kvHeads}; per-type KV head counts are not implemented.");
        }

        int layerCount = LayerCount(c);
        IReadOnlyList<AttentionKind> kinds = LayerKinds(c, layerCount, defaultPattern: null);
        int headDim = Positive(c, "head_dim");
        int globalHeadDim = c.Has("global_head_dim") ? Positive(c, "global_head_dim") : headDim;
        Dictionary<int, int> perLayerHeadDims = PerLayerHeadDims(c, layerCount);
        int shared = c.OptionalInt("num_kv_shared_layers") ?? 0;
        int firstShared = layerCount - shared;
        if (shared < 0 || firstShared < 0)
        {
            throw c.Error("num_kv_shared_layers", $"is {shared}; it must lie between 0 and num_hidden_layers ({layerCount}).");
        }

        int intermediate = Positive(c, "intermediate_size");
        bool doubleWide = c.OptionalBool("use_double_wide_mlp", false);
        JsonFields rope = c.Child("rope_parameters");
        var layers = new List<LayerSpec>(layerCount);
        for (int i = 0; i < layerCount; i++)
        {
            AttentionKind kind = kinds[i];
            int d = perLayerHeadDims.TryGetValue(i, out int overridden) ? overridden : kind == AttentionKind.Full ? globalHeadDim : headDim;
            int? source = null;
            if (i >= firstShared)
            {
                source = Enumerable.Range(0, firstShared).LastOrDefault(j => kinds[j] == kind, -1);
                if (source < 0)
                {
                    throw c.Error("num_kv_shared_layers", $"is {shared}, but no earlier unshared {Name(kind)} layer exists for layer {i} to share keys and values with.");
                }
            }

            int width = doubleWide && firstShared > 0 && i >= firstShared ? 2 * intermediate : intermediate;
            layers.Add(new LayerSpec(i, kind, d, width, Gemma4Rope(rope, kind, d), source));
        }

        int perLayerInput = c.OptionalInt("hidden_size_per_layer_input") ?? 0;
        return new ModelConfig
        {
            ModelType = modelType,
            Family = ModelFamily.Gemma4,
            HiddenSize = hidden,
            NumHeads = heads,
            NumKvHeads = CheckKvHeads(c, heads, kvHeads),
            VocabSize = Positive(c, "vocab_size"),
            Layers = layers,
            SlidingWindow = kinds.Contains(AttentionKind.Sliding) ? Positive(c, "sliding_window") : null,
            RmsNormEps = c.OptionalDouble("rms_norm_eps") ?? 1e-6,
            SandwichNorms = true,
            QkNorm = true,
            ValueNorm = true,
            AttentionScale = 1.0,
            FinalLogitSoftcap = c.OptionalDouble("final_logit_softcapping"),
            Activation = ParseActivation(c, "hidden_activation", Activation.GeluTanh),
            ScaleEmbeddings = true,
            PerLayerInputSize = perLayerInput,
            PerLayerVocabSize = perLayerInput > 0 ? c.OptionalInt("vocab_size_per_layer_input") ?? Positive(c, "vocab_size") : 0,
            LayerScalar = true,
            TieWordEmbeddings = true,
        };
    }

    private static ModelConfig ReadGemma3(JsonFields c, string modelType)
    {
        int hidden = Positive(c, "hidden_size");
        int heads = Positive(c, "num_attention_heads");
        int layerCount = LayerCount(c);
        int headDim = HeadDim(c, hidden, heads);
        IReadOnlyList<AttentionKind> kinds = LayerKinds(c, layerCount, defaultPattern: SlidingWindowPattern(c));
        int intermediate = Positive(c, "intermediate_size");

        // transformers 5 writes rope_parameters per layer type; 4.x wrote rope_theta (global),
        // rope_local_base_freq (sliding) and rope_scaling (global only).
        JsonFields? ropeByType = c.OptionalChild("rope_parameters");
        RopeSpec RopeFor(AttentionKind kind) => ropeByType is not null && ropeByType.Has(Name(kind))
            ? StandardRope(ropeByType.Child(Name(kind)), headDim)
            : kind == AttentionKind.Sliding
                ? new RopeSpec(c.OptionalDouble("rope_local_base_freq") ?? 10_000, headDim, headDim / 2, 1.0, null)
                : LegacyRope(c, headDim, defaultTheta: 1_000_000);

        double queryScalar = c.OptionalDouble("query_pre_attn_scalar") ?? headDim;
        if (queryScalar <= 0)
        {
            throw c.Error("query_pre_attn_scalar", $"is {queryScalar}; it must be positive.");
        }

        return new ModelConfig
        {
            ModelType = modelType,
            Family = ModelFamily.Gemma3,
            HiddenSize = hidden,
            NumHeads = heads,
            NumKvHeads = CheckKvHeads(c, heads, c.OptionalInt("num_key_value_heads") ?? heads),
            VocabSize = Positive(c, "vocab_size"),
            Layers = [.. Enumerable.Range(0, layerCount).Select(i => new LayerSpec(i, kinds[i], headDim, intermediate, RopeFor(kinds[i]), null))],
            SlidingWindow = kinds.Contains(AttentionKind.Sliding) ? Positive(c, "sliding_window") : null,
            RmsNormEps = c.OptionalDouble("rms_norm_eps") ?? 1e-6,
            NormAddsOne = true,
            SandwichNorms = true,
            QkNorm = true,
            AttentionScale = Math.Pow(queryScalar, -0.5),
            AttentionSoftcap = c.OptionalDouble("attn_logit_softcapping"),
            FinalLogitSoftcap = c.OptionalDouble("final_logit_softcapping"),
            Activation = ParseActivation(c, "hidden_activation", Activation.GeluTanh),
            ScaleEmbeddings = true,
            TieWordEmbeddings = true,
        };
    }

    private static ModelConfig ReadLlama(JsonFields c, string modelType)
    {
        int hidden = Positive(c, "hidden_size");
        int heads = Positive(c, "num_attention_heads");
        int layerCount = LayerCount(c);
        int headDim = HeadDim(c, hidden, heads);
        JsonFields? ropeParameters = c.OptionalChild("rope_parameters");
        RopeSpec rope = ropeParameters is not null ? StandardRope(ropeParameters, headDim) : LegacyRope(c, headDim, defaultTheta: 10_000);

        // Sliding windows: Mistral applies its window (when set) to every layer; Qwen2 only with
        // use_sliding_window, from max_window_layers on. transformers 5 may list layer_types itself.
        int? window = c.OptionalInt("sliding_window");
        IReadOnlyList<AttentionKind> kinds;
        if (c.Has("layer_types"))
        {
            kinds = LayerKinds(c, layerCount, defaultPattern: null);
        }
        else if (modelType == "qwen2")
        {
            bool slides = c.OptionalBool("use_sliding_window", false) && window is not null;
            int from = c.OptionalInt("max_window_layers") ?? layerCount;
            kinds = [.. Enumerable.Range(0, layerCount).Select(i => slides && i >= from ? AttentionKind.Sliding : AttentionKind.Full)];
        }
        else
        {
            kinds = [.. Enumerable.Repeat(modelType == "mistral" && window is not null ? AttentionKind.Sliding : AttentionKind.Full, layerCount)];
        }

        if (kinds.Contains(AttentionKind.Sliding) && window is null)
        {
            throw c.Error("sliding_window", "is missing, but layer_types lists sliding_attention layers.");
        }

        bool attentionBias = c.OptionalBool("attention_bias", false);
        return new ModelConfig
        {
            ModelType = modelType,
            Family = ModelFamily.Llama,
            HiddenSize = hidden,
            NumHeads = heads,
            NumKvHeads = CheckKvHeads(c, heads, c.OptionalInt("num_key_value_heads") ?? heads),
            VocabSize = Positive(c, "vocab_size"),
            Layers = [.. Enumerable.Range(0, layerCount).Select(i => new LayerSpec(i, kinds[i], headDim, Positive(c, "intermediate_size"), rope, null))],
            SlidingWindow = kinds.Contains(AttentionKind.Sliding) ? window : null,
            RmsNormEps = c.OptionalDouble("rms_norm_eps") ?? 1e-6,
            AttentionScale = 1.0 / Math.Sqrt(headDim),
            QkvBias = modelType == "qwen2" || attentionBias,
            OutputBias = modelType != "qwen2" && attentionBias,
            MlpBias = c.OptionalBool("mlp_bias", false),
            Activation = ParseActivation(c, "hidden_act", Activation.Silu),
            TieWordEmbeddings = false,
        };
    }

    private static IReadOnlyList<AttentionKind> LayerKinds(JsonFields c, int layerCount, int? defaultPattern)
    {
        if (!c.Has("layer_types"))
        {
            if (defaultPattern is null)
            {
                throw c.Error("layer_types", "is missing; it must list 'sliding_attention' or 'full_attention' for every layer.");
            }

            // Older Gemma 3 configs: every pattern-th layer is global.
            return [.. Enumerable.Range(0, layerCount).Select(i => (i + 1) % defaultPattern.Value == 0 ? AttentionKind.Full : AttentionKind.Sliding)];
        }

        IReadOnlyList<string> names = c.StringList("layer_types");
        if (names.Count != layerCount)
        {
            throw c.Error("layer_types", $"lists {names.Count} layers, but num_hidden_layers is {layerCount}.");
        }

        return [.. names.Select((name, i) => name switch
        {
            "full_attention" => AttentionKind.Full,
            "sliding_attention" => AttentionKind.Sliding,
            _ => throw c.Error("layer_types", $"entry {i} is '{name}'; expected 'full_attention' or 'sliding_attention'."),
        })];
    }

    private static Dictionary<int, int> PerLayerHeadDims(JsonFields c, int layerCount)
    {
        var result = new Dictionary<int, int>();
        JsonFields? perLayer = c.OptionalChild("per_layer_config");
        if (perLayer is null)
        {
            return result;
        }

        foreach (string key in perLayer.Names)
        {
            // Keys are layer indices as strings, sometimes zero-padded ("04").
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int layer) || layer >= layerCount)
            {
                throw perLayer.Error(key, $"is not a layer index below num_hidden_layers ({layerCount}).");
            }

            JsonFields entry = perLayer.Child(key);
            if (entry.Has("head_dim"))
            {
                result[layer] = Positive(entry, "head_dim");
            }
        }

        return result;
    }

    private static RopeSpec Gemma4Rope(JsonFields rope, AttentionKind kind, int headDim)
    {
        JsonFields spec = rope.Child(Name(kind));
        string type = spec.OptionalString("rope_type") ?? "default";
        double theta = spec.Double("rope_theta");
        if (type == "proportional")
        {
            double partial = spec.OptionalDouble("partial_rotary_factor") ?? 1.0;
            if (partial is < 0 or > 1)
            {
                throw spec.Error("partial_rotary_factor", string.Create(CultureInfo.InvariantCulture, $"is {partial}; it is the fraction of each head that rotates, between 0 and 1."));
            }

            double factor = spec.OptionalDouble("factor") ?? 1.0;
            int pairs = (int)(partial * headDim / 2);
            return new RopeSpec(theta, headDim, pairs, factor, null);
        }

        return StandardRope(spec, headDim);
    }

    /// <summary>A transformers-5 <c>rope_parameters</c> object (or one entry of it).</summary>
    private static RopeSpec StandardRope(JsonFields spec, int headDim)
    {
        string type = spec.OptionalString("rope_type") ?? "default";
        double theta = spec.OptionalDouble("rope_theta") ?? 10_000;
        return RopeOfType(spec, type, theta, headDim, "rope_type");
    }

    /// <summary>transformers 4.x: <c>rope_theta</c> at the top, scaling in <c>rope_scaling</c>.</summary>
    private static RopeSpec LegacyRope(JsonFields c, int headDim, double defaultTheta)
    {
        double theta = c.OptionalDouble("rope_theta") ?? defaultTheta;
        JsonFields? scaling = c.OptionalChild("rope_scaling");
        if (scaling is null)
        {
            return new RopeSpec(theta, headDim, headDim / 2, 1.0, null);
        }

        string type = scaling.OptionalString("rope_type") ?? scaling.OptionalString("type") ?? "default";
        return RopeOfType(scaling, type, theta, headDim, "rope_scaling");
    }

    private static RopeSpec RopeOfType(JsonFields spec, string type, double theta, int headDim, string field)
    {
        if ((spec.OptionalDouble("partial_rotary_factor") ?? 1.0) != 1.0)
        {
            throw spec.Error("partial_rotary_factor", "is not 1; partial rotary embeddings are implemented only for Gemma 4's proportional RoPE.");
        }

        return type switch
        {
            "default" => new RopeSpec(theta, headDim, headDim / 2, 1.0, null),
            "linear" => new RopeSpec(theta, headDim, headDim / 2, spec.Double("factor"), null),
            "llama3" => new RopeSpec(theta, headDim, headDim / 2, 1.0, new Llama3RopeScaling(
                spec.Double("factor"),
                spec.Double("low_freq_factor"),
                spec.Double("high_freq_factor"),
                spec.Double("original_max_position_embeddings"))),
            _ => throw spec.Error(field, $"is '{type}'; supported RoPE types: default, linear, llama3 (and proportional for Gemma 4)."),
        };
    }

    private static Activation ParseActivation(JsonFields c, string field, Activation fallback)
    {
        string? name = c.OptionalString(field);
        return name switch
        {
            null => fallback,
            "gelu_pytorch_tanh" or "gelu_new" or "gelu_fast" => Activation.GeluTanh,
            "gelu" => Activation.Gelu,
            "silu" or "swish" => Activation.Silu,
            _ => throw c.Error(field, $"is '{name}'; supported activations: gelu_pytorch_tanh, gelu, silu."),
        };
    }

    private static int CheckKvHeads(JsonFields c, int heads, int kvHeads)
    {
        if (kvHeads <= 0 || heads % kvHeads != 0)
        {
            throw c.Error("num_key_value_heads", $"is {kvHeads}; it must be positive and divide num_attention_heads ({heads}).");
        }

        return kvHeads;
    }

    private static int LayerCount(JsonFields c)
    {
        int count = Positive(c, "num_hidden_layers");
        if (count > MaxLayers)
        {
            throw c.Error("num_hidden_layers", $"is {count}; Geode reads at most {MaxLayers} layers (the largest released decoders have about 130).");
        }

        return count;
    }

    /// <summary>head_dim, or hidden_size / num_attention_heads when the config leaves it out.</summary>
    private static int HeadDim(JsonFields c, int hidden, int heads)
    {
        if (c.Has("head_dim"))
        {
            return Positive(c, "head_dim");
        }

        if (hidden < heads)
        {
            throw c.Error("hidden_size", $"is {hidden}, fewer than num_attention_heads ({heads}), and head_dim is not given; a head would have no dimensions.");
        }

        return hidden / heads;
    }

    /// <summary>Older Gemma 3 configs: every pattern-th layer is global (6 when absent).</summary>
    private static int SlidingWindowPattern(JsonFields c)
    {
        string name = c.Has("sliding_window_pattern") ? "sliding_window_pattern" : "_sliding_window_pattern";
        return c.Has(name) ? Positive(c, name) : 6;
    }

    private static int Positive(JsonFields c, string name)
    {
        int value = c.Int(name);
        if (value <= 0)
        {
            throw c.Error(name, $"is {value}; it must be positive.");
        }

        return value;
    }

    private static string Name(AttentionKind kind) => kind == AttentionKind.Full ? "full_attention" : "sliding_attention";
}
