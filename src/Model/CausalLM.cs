using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Inference;
using Geode.Model.Layers;
using Geode.Model.Weights;
using static TorchSharp.torch;

namespace Geode.Model;

/// <summary>
/// A decoder-only language model (Gemma 4, Gemma 3 or Llama family) on one device. Its forward
/// pass takes capture and edit requests as parameters and returns exactly what was asked for.
/// Forward passes may run on several threads at once (a packed evaluation on a CPU runs batches
/// side by side); changing the weights (<see cref="ApplyToWeights"/>) and <see cref="Dispose"/>
/// must not overlap them.
/// </summary>
public sealed class CausalLM : IDisposable
{
    private const int MaxCachedEdits = 512;

    private readonly DecoderLayer[] _layers;
    private readonly RmsNorm _finalNorm;
    private readonly PerLayerEmbedding? _perLayerEmbedding;
    private readonly Dictionary<RopeSpec, RotaryEmbedding> _rotary = [];
    private readonly ResolvedEditCache _resolved = new(MaxCachedEdits);

    // Per thread, the edits of the batch it is generating: every step passes the same edits, so
    // they are resolved and laid out once per batch composition.
    private readonly ThreadLocal<(ActivationEdits Edits, EditApplication Application)?> _application = new(trackAllValues: true);
    private readonly WeightMatrix _embedding;
    private readonly Linear _head;
    private readonly int _lastPositionTail;

    /// <summary>Builds the model over loaded weights; the model owns <paramref name="weights"/>.</summary>
    public CausalLM(ModelConfig config, WeightStore weights, Device device)
    {
        Config = config;
        Weights = weights;
        Device = device;
        _embedding = WeightMatrix.From(weights, "embed_tokens.weight");

        // The final norm's gain is a vector, never quantised: it is in the dtype the model computes in.
        DType = weights["norm.weight"].dtype;
        Precision = new ModelPrecision(DType, weights.HasInt8 ? WeightFormat.Int8 : WeightFormat.Dense);
        _head = new Linear(config.TieWordEmbeddings ? _embedding : WeightMatrix.From(weights, "lm_head.weight"), null);
        _finalNorm = new RmsNorm(weights["norm.weight"], config.RmsNormEps, config.NormAddsOne, castBeforeScale: config.Family == ModelFamily.Llama);

        HashSet<int> sources = [.. config.Layers.Where(l => l.KvSourceLayer is not null).Select(l => l.KvSourceLayer!.Value)];
        _layers = [.. config.Layers.Select(spec => new DecoderLayer(spec, config, weights, sources.Contains(spec.Index)))];
        _lastPositionTail = FindLastPositionTail(config, sources);
        foreach (RopeSpec rope in config.Layers.Select(l => l.Rope).Distinct())
        {
            _rotary[rope] = new RotaryEmbedding(rope, device);
        }

        if (config.PerLayerInputSize > 0)
        {
            _perLayerEmbedding = new PerLayerEmbedding(
                config,
                WeightMatrix.From(weights, "embed_tokens_per_layer.weight"),
                new Linear(WeightMatrix.From(weights, "per_layer_model_projection.weight"), null),
                new RmsNorm(weights["per_layer_projection_norm.weight"], config.RmsNormEps, addOne: false, castBeforeScale: false));
        }
    }

    /// <summary>The model's configuration.</summary>
    public ModelConfig Config { get; }

    /// <summary>The model's tensors by canonical name.</summary>
    public WeightStore Weights { get; }

    /// <summary>Where the weights live.</summary>
    public Device Device { get; }

    /// <summary>The activations' dtype, and the weights' unless <see cref="Precision"/> says they are int8.</summary>
    public ScalarType DType { get; }

    /// <summary>The dtype the model computes in and how it holds its weights.</summary>
    public ModelPrecision Precision { get; }

    /// <summary>True when the weight matrices are int8 with per-row scales (<see cref="WeightFormat.Int8"/>).</summary>
    public bool HasInt8Weights => Precision.Int8Weights;

    /// <summary>Bytes the weights occupy on <see cref="Device"/> (int8 codes and their scales included); see <see cref="WeightFootprint"/>.</summary>
    public long WeightBytes => Weights.ResidentBytes;

    /// <summary>The first layer a last-position-only pass computes for the last position alone (the layer count when none).</summary>
    internal int LastPositionTail => _lastPositionTail;

    /// <summary>Runs one batched forward pass.</summary>
    public ForwardResult Forward(ForwardRequest request)
    {
        WorkCancellation.ThrowIfCancelled();
        using IDisposable? noGrad = request.TrackGradients ? null : no_grad();
        using var scope = NewDisposeScope();
        Tensor ids = request.InputIds.to(ScalarType.Int64, Device);
        Tensor mask = request.AttentionMask.to(ScalarType.Int64, Device);
        long batch = ids.shape[0], steps = ids.shape[1];
        KvCache? cache = request.Cache;
        int past = cache?.Length ?? 0;
        Tensor fullMask = cache?.ExtendMask(mask) ?? mask;                                   // [B,S]

        // Left padding: a row's positions count only its real tokens (cumsum(mask) − 1).
        Tensor positions = (fullMask.cumsum(1) - 1).clamp_min(0).narrow(1, past, steps);
        var rope = _rotary.ToDictionary(pair => pair.Key, pair => pair.Value.Tables(positions, DType));
        using var context = new ForwardContext(positions, BuildMasks(fullMask, past, steps), rope)
        {
            Cache = cache,
            Edits = request.Edits is null ? null : Resolve(request.Edits),
        };

        Tensor h = ids.dim() == 2 ? _embedding.Rows(ids.flatten(), DType).view(batch, steps, -1) : throw new ArgumentException("InputIds must be [B, T].");
        if (Config.ScaleEmbeddings)
        {
            h = h * PerLayerEmbedding.ScalarIn(Math.Sqrt(Config.HiddenSize), DType);
        }

        var residuals = new Dictionary<int, Tensor>();
        ResidualCapture? capture = request.Capture;
        HashSet<int> wanted = capture is null ? [] : [.. capture.Layers];
        Keep(0, h);
        context.PerLayerInputs = _perLayerEmbedding?.Forward(ids, h);
        PrefillSharing? sharing = PlanSharing(request, ids, mask, past);
        var unitEdits = new List<EditApplication>();
        if (sharing is not null)
        {
            h = h.index_select(0, tensor(sharing.InitialRows, device: Device));
        }

        // Past the tail's start no later layer reads keys or values from this pass's states, so
        // when nothing but the last position is asked for, the others need not be computed.
        bool lastOnly = steps > 1 && !request.TrackGradients && request.Logits != LogitsScope.All
            && (capture is null || capture.Position == CapturePosition.Last);
        int narrowAt = lastOnly ? _lastPositionTail : _layers.Length;
        for (int i = 0; i < _layers.Length; i++)
        {
            if (sharing is not null && !sharing.SameAsBefore(i))
            {
                long[] rows = sharing.RowOfUnit(i);
                h = h.index_select(0, tensor(sharing.SourceUnit(i), device: Device));
                context.UseUnits(tensor(rows, device: Device), tensor(sharing.UnitOfRow(i), device: Device));
                var application = new EditApplication(Lease(request.Edits!), request.Edits!.ForRows([.. rows.Select(r => (int)r)]).RowToEdit, Device);
                unitEdits.Add(application);
                context.Edits = application;
            }

            if (i == narrowAt)
            {
                h = h.narrow(1, steps - 1, 1);
                context.KeepLastPositionOnly();
            }

            h = _layers[i].Forward(h, context);
            Keep(i + 1, h);
        }

        if (sharing is not null)
        {
            h = context.ToRows(h);
            foreach (EditApplication application in unitEdits)
            {
                application.Dispose();
            }
        }

        cache?.Advance((int)steps);
        Tensor? finalNormed = null, logits = null;
        bool wantsFinal = capture?.IncludeFinalNorm ?? false;
        if (request.Logits != LogitsScope.None || wantsFinal)
        {
            Tensor top = request.Logits == LogitsScope.Last && !wantsFinal ? h.narrow(1, h.shape[1] - 1, 1) : h;
            Tensor normed = _finalNorm.Forward(top);
            if (wantsFinal)
            {
                finalNormed = Select(normed, capture!.Position).MoveToOuterDisposeScope();
            }

            if (request.Logits != LogitsScope.None)
            {
                Tensor headInput = request.Logits == LogitsScope.Last ? normed.narrow(1, normed.shape[1] - 1, 1) : normed;
                logits = _head.Forward(headInput);
                if (Config.FinalLogitSoftcap is double cap)
                {
                    logits = (logits / cap).tanh() * cap;
                }

                logits = logits.MoveToOuterDisposeScope();
            }
        }

        foreach (Tensor kept in residuals.Values)
        {
            kept.MoveToOuterDisposeScope();
        }

        return new ForwardResult(logits, residuals, finalNormed);

        void Keep(int index, Tensor state)
        {
            if (wanted.Contains(index))
            {
                residuals[index] = Select(state, capture!.Position);
            }
        }
    }

    /// <summary>
    /// Applies <paramref name="edit"/> to the weights themselves (W ← diag(s)(W − α U Uᵀ W) per part),
    /// in float32, rounding to the weight dtype. On an int8 model each edited writer is dequantised,
    /// edited and requantised with fresh row scales, as an in-place int8 edit would be: a change
    /// smaller than half a quantisation step rounds away. Forward passes afterwards see the edited model.
    /// </summary>
    /// <exception cref="BadInputException">The edit does not fit this model (see <see cref="Edit.Validate"/>).</exception>
    public void ApplyToWeights(Edit edit)
    {
        edit.Validate(Config);
        using var noGrad = no_grad();
        ResolvedEdit resolved;
        using (NewDisposeScope())
        {
            resolved = ResolvedEdit.Resolve(edit, EditableWeight, PostNormGain, Config.HiddenSize, Device);
        }

        using (resolved)
        {
            foreach ((int layer, WriterKind writer) in resolved.Targets.ToList())
            {
                using var scope = NewDisposeScope();
                Tensor edited = DequantizedWriterWeight(layer, writer);
                foreach (WriterOperation operation in resolved.For(layer, writer))
                {
                    edited = operation.ApplyToWeight(edited);
                }

                Weights.Overwrite(writer.WeightName(layer), edited.to(HasInt8Weights ? ScalarType.Float32 : DType));
            }
        }

        ClearResolvedEdits();
    }

    /// <summary>
    /// Applies <paramref name="edit"/> to the weights as <see cref="ApplyToWeights"/> does, until the
    /// returned scope is disposed, which puts the edited writers' weights back exactly (a model pool
    /// shares one model between trials, so an in-place edit must not outlive its trial).
    /// </summary>
    /// <exception cref="BadInputException">The edit does not fit this model (see <see cref="Edit.Validate"/>).</exception>
    public WeightEditScope ApplyToWeightsUntilDisposed(Edit edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        edit.Validate(Config);
        (int Layer, WriterKind Writer)[] touched = [.. edit.Parts.SelectMany(p => p.Layers.SelectMany(l => p.Writers.Select(w => (l, w)))).Distinct()];
        var scope = new WeightEditScope(
            touched.SelectMany(t => (Tensor?[])[WriterWeight(t.Layer, t.Writer), WriterWeightScales(t.Layer, t.Writer)]).OfType<Tensor>(),
            ClearResolvedEdits);
        try
        {
            ApplyToWeights(edit);
            return scope;
        }
        catch
        {
            scope.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The stored weight of a writer [H, in]: the weight itself, or on an int8 model its int8 codes
    /// (scaled by <see cref="WriterWeightScales"/>). The model owns it; an edit changes it in place.
    /// </summary>
    /// <exception cref="BadInputException">The model has no such layer or writer.</exception>
    public Tensor WriterWeight(int layer, WriterKind writer) => Writer(layer, writer).Weight.Values;

    /// <summary>The float32 per-row scales [H] of a writer's int8 codes; null when the model's weights are not int8.</summary>
    /// <exception cref="BadInputException">The model has no such layer or writer.</exception>
    public Tensor? WriterWeightScales(int layer, WriterKind writer) => Writer(layer, writer).Weight.RowScales;

    /// <summary>
    /// A new float32 copy [H, in] of a writer's weight as the forward pass uses it: dequantised
    /// (diag(s) q) on an int8 model, converted otherwise. The caller owns it.
    /// </summary>
    /// <exception cref="BadInputException">The model has no such layer or writer.</exception>
    public Tensor DequantizedWriterWeight(int layer, WriterKind writer) => Writer(layer, writer).Weight.ToFloat32();

    private Linear Writer(int layer, WriterKind writer)
    {
        if (layer < 0 || layer >= _layers.Length)
        {
            throw new BadInputException($"layer {layer} does not exist; the model has layers 0..{_layers.Length - 1}.", "edit", "layers");
        }

        return writer switch
        {
            WriterKind.AttentionOutput => _layers[layer].Attention.Output,
            WriterKind.MlpOutput => _layers[layer].Mlp.Down,
            _ => _layers[layer].PerLayerProjection
                ?? throw new BadInputException($"{Config.ModelType} has no per_layer_projection writer.", "edit", "writers"),
        };
    }

    /// <summary>
    /// What resolving an edit reads a writer's weight from: the stored tensor when it is a float
    /// (resolving copies it), a dequantised float32 copy when int8 (freed by the caller's scope).
    /// </summary>
    private Tensor EditableWeight(int layer, WriterKind writer) => HasInt8Weights ? DequantizedWriterWeight(layer, writer) : WriterWeight(layer, writer);

    /// <summary>The writers this architecture has.</summary>
    public IReadOnlyList<WriterKind> Writers => Config.PerLayerInputSize > 0
        ? [WriterKind.AttentionOutput, WriterKind.MlpOutput, WriterKind.PerLayerOutput]
        : [WriterKind.AttentionOutput, WriterKind.MlpOutput];

    private Tensor? PostNormGain(int layer, WriterKind writer) => _layers[layer].PostNormGain(writer);

    private EditApplication Resolve(ActivationEdits edits)
    {
        // Generation passes the same edits every step while its batch keeps its rows.
        if (_application.Value is { } cached && ReferenceEquals(cached.Edits, edits) && cached.Application.Generation == _resolved.Generation)
        {
            return cached.Application;
        }

        ReleaseThreadEdits();
        var application = new EditApplication(Lease(edits), edits.RowToEdit, Device);
        _application.Value = (edits, application);
        return application;
    }

    /// <summary>
    /// Frees the edits this thread's last batch laid out (the cache keeps their resolutions). A
    /// generation calls it when its batch is done, so a thread that ends holds nothing.
    /// </summary>
    internal void ReleaseThreadEdits()
    {
        _application.Value?.Application.Dispose();
        _application.Value = null;
    }

    /// <summary>Each distinct edit of <paramref name="edits"/> resolved against this model's weights (cached per edit), leased.</summary>
    private EditLease Lease(ActivationEdits edits) => _resolved.Lease(edits.Distinct, edit =>
    {
        edit.Validate(Config);
        using (NewDisposeScope())
        {
            return ResolvedEdit.Resolve(edit, EditableWeight, PostNormGain, Config.HiddenSize, Device);
        }
    });

    /// <summary>
    /// Plans a shared prefill (<see cref="PrefillSharing"/>) for a first pass whose rows carry their
    /// own edits; null when the pass is not one, or sharing would save little.
    /// </summary>
    private PrefillSharing? PlanSharing(ForwardRequest request, Tensor ids, Tensor mask, int past)
    {
        if (request.Edits?.RowToEdit is not { } rowToEdit || past != 0 || ids.shape[1] < 2 || request.TrackGradients || request.Capture is not null)
        {
            return null;
        }

        int[] firstByEdit = [.. request.Edits.Distinct.Select(edit => edit.Parts
            .Where(part => part.Writers.Count > 0 && part.Layers.Count > 0)
            .Select(part => part.Layers.Min())
            .DefaultIfEmpty(int.MaxValue)
            .Min())];
        int[] firstEdited = [.. rowToEdit.Select(e => e < 0 ? int.MaxValue : firstByEdit[e])];

        // Padding folded into the tokens (−1), so rows group only when tokens and mask agree.
        long[] tokens = (ids * mask + (mask - 1)).cpu().data<long>().ToArray();
        return PrefillSharing.Plan(tokens, (int)ids.shape[0], (int)ids.shape[1], firstEdited, _layers.Length);
    }

    /// <summary>The weights changed: resolutions made from the old ones are dropped (other threads' layouts go stale and are redone).</summary>
    private void ClearResolvedEdits()
    {
        ReleaseThreadEdits();
        _resolved.Clear();
    }

    /// <summary>
    /// The first layer of the model's KV-shared tail: every layer from it on reuses an earlier
    /// layer's keys and values and none is a source itself (Gemma 4 shares in its last layers).
    /// Nothing after it reads a position's state except that position, so a pass that needs only
    /// the last position computes only that one from here. The layer count when there is no tail.
    /// </summary>
    private static int FindLastPositionTail(ModelConfig config, HashSet<int> sources)
    {
        int tail = config.Layers.Count;
        while (tail > 0 && config.Layers[tail - 1].SharesKv && !sources.Contains(tail - 1))
        {
            tail--;
        }

        return tail;
    }

    /// <summary>
    /// Additive masks [B,1,1,T,S] per attention kind. Key j is visible to query i (absolute index
    /// past + i) when it is a real token, j ≤ past + i, and — for sliding layers — j > past + i − window.
    /// Indices are cache positions, padding included, as transformers counts them.
    /// </summary>
    private Dictionary<AttentionKind, Tensor> BuildMasks(Tensor fullMask, int past, long steps)
    {
        long keys = fullMask.shape[1];
        Tensor queryIndex = arange(past, past + steps, device: Device).unsqueeze(1);          // [T,1]
        Tensor keyIndex = arange(keys, device: Device).unsqueeze(0);                         // [1,S]
        Tensor causal = keyIndex <= queryIndex;                                              // [T,S]
        Tensor real = fullMask.to(ScalarType.Bool).view(fullMask.shape[0], 1, 1, 1, keys);   // [B,1,1,1,S]
        Tensor open = zeros(1, dtype: DType, device: Device);
        Tensor closed = full(1, LowestValue(DType), dtype: DType, device: Device);
        var masks = new Dictionary<AttentionKind, Tensor>();
        foreach (AttentionKind kind in Config.Layers.Select(l => l.Kind).Distinct())
        {
            Tensor allowed = causal;
            if (kind == AttentionKind.Sliding)
            {
                allowed = allowed.logical_and(keyIndex > queryIndex - Config.SlidingWindow!.Value);
            }

            Tensor visible = real.logical_and(allowed.view(1, 1, 1, steps, keys));
            masks[kind] = where(visible, open, closed);
        }

        return masks;
    }

    private static double LowestValue(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => -65504.0,
        ScalarType.BFloat16 => -3.3895313892515355e38,
        ScalarType.Float64 => double.MinValue,
        _ => float.MinValue,
    };

    private static Tensor Select(Tensor state, CapturePosition position)
    {
        Tensor kept = position == CapturePosition.Last ? state.select(1, state.shape[1] - 1) : state;
        return kept.to_type(ScalarType.Float32, copy: true);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach ((ActivationEdits Edits, EditApplication Application)? cached in _application.Values)
        {
            cached?.Application.Dispose();
        }

        _application.Dispose();
        _resolved.Dispose();
        foreach (RotaryEmbedding rotary in _rotary.Values)
        {
            rotary.Dispose();
        }

        Weights.Dispose();
    }
}
