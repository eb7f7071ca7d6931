using Geode.Model.Config;
using Geode.Model.Edits;
using static TorchSharp.torch;

namespace Geode.Model.Inference;

/// <summary>
/// Per-pass state the layers share: positions, masks, rotary tables, Gemma 4's shared keys/values,
/// the per-layer inputs and the edits. Built once per forward; lives inside the pass's dispose scope.
/// </summary>
internal sealed class ForwardContext : IDisposable
{
    private readonly List<Tensor> _owned = [];

    private IReadOnlyDictionary<RopeSpec, (Tensor Cos, Tensor Sin)> _rope;
    private IReadOnlyDictionary<AttentionKind, Tensor> _rowMasks;
    private Tensor? _rowPerLayerInputs;

    // With a shared prefill (PrefillSharing) layers run on units, not rows: the row of each unit,
    // each row's unit, and the per-row inputs gathered for the units.
    private Tensor? _rowOfUnit;
    private Tensor? _unitOfRow;
    private IReadOnlyDictionary<AttentionKind, Tensor>? _unitMasks;
    private IReadOnlyDictionary<RopeSpec, (Tensor Cos, Tensor Sin)>? _unitRope;
    private Tensor? _unitPerLayerInputs;

    /// <remarks>
    /// Every tensor here must belong to the pass's outermost dispose scope: layers run in scopes
    /// of their own, and anything first created inside one would be gone for the next layer.
    /// </remarks>
    public ForwardContext(Tensor positions, IReadOnlyDictionary<AttentionKind, Tensor> masks, IReadOnlyDictionary<RopeSpec, (Tensor Cos, Tensor Sin)> rope)
    {
        Positions = positions;
        _rowMasks = masks;
        _rope = rope;
    }

    /// <summary>RoPE positions [B, T].</summary>
    public Tensor Positions { get; private set; }

    /// <summary>Additive attention masks [B, 1, 1, T, S] per attention kind.</summary>
    public IReadOnlyDictionary<AttentionKind, Tensor> Masks => _unitMasks ?? _rowMasks;

    /// <summary>The cache to extend, or null.</summary>
    public KvCache? Cache { get; init; }

    /// <summary>Keys/values produced this pass by Gemma 4 KV-source layers, by layer index.</summary>
    public Dictionary<int, (Tensor Keys, Tensor Values)> SharedKv { get; } = [];

    /// <summary>Gemma 4 per-layer inputs [B, T, L, P], or null.</summary>
    public Tensor? PerLayerInputs
    {
        get => _rowOfUnit is null ? _rowPerLayerInputs : _unitPerLayerInputs;
        set
        {
            _rowPerLayerInputs = value;
            GatherUnits();
        }
    }

    /// <summary>Resolved edits and which rows use each; null when unedited.</summary>
    public EditApplication? Edits { get; set; }

    /// <summary>True while layers run on shared-prefill units instead of rows.</summary>
    public bool OnUnits => _rowOfUnit is not null;

    /// <summary>The rotary tables a layer type uses, computed once per pass.</summary>
    public IReadOnlyDictionary<RopeSpec, (Tensor Cos, Tensor Sin)> RopeTables => _rope;

    /// <summary>cos/sin tables [B,T,1,d] for a rotary spec.</summary>
    public (Tensor Cos, Tensor Sin) Rope(RopeSpec spec) => (_unitRope ?? _rope)[spec];

    /// <summary>Runs the next layers on units: <paramref name="rowOfUnit"/> [U] names each unit's row, <paramref name="unitOfRow"/> [B] each row's unit.</summary>
    public void UseUnits(Tensor rowOfUnit, Tensor unitOfRow)
    {
        _rowOfUnit = rowOfUnit;
        _unitOfRow = unitOfRow;
        GatherUnits();
    }

    /// <summary>A per-unit tensor [U, …] spread to rows [B, …] (the identity outside a shared prefill).</summary>
    public Tensor ToRows(Tensor perUnit) => _unitOfRow is null ? perUnit : perUnit.index_select(0, _unitOfRow);

    /// <summary>A per-row tensor [B, …] gathered to units [U, …] (the identity outside a shared prefill).</summary>
    public Tensor ToUnits(Tensor perRow) => _rowOfUnit is null ? perRow : perRow.index_select(0, _rowOfUnit);

    private void GatherUnits()
    {
        if (_rowOfUnit is null)
        {
            return;
        }

        _unitMasks = _rowMasks.ToDictionary(pair => pair.Key, pair => pair.Value.index_select(0, _rowOfUnit));
        _unitRope = _rope.ToDictionary(pair => pair.Key, pair => (pair.Value.Cos.index_select(0, _rowOfUnit), pair.Value.Sin.index_select(0, _rowOfUnit)));
        _unitPerLayerInputs = _rowPerLayerInputs?.index_select(0, _rowOfUnit);
    }

    /// <summary>
    /// From here on the pass computes the last query position only: positions, rotary tables,
    /// masks and per-layer inputs keep their last row along T (keys S are untouched). Call it in
    /// the pass's outermost scope, between layers.
    /// </summary>
    public void KeepLastPositionOnly()
    {
        long steps = Positions.shape[1];
        Positions = Positions.narrow(1, steps - 1, 1);
        _rope = _rope.ToDictionary(pair => pair.Key, pair => (pair.Value.Cos.narrow(1, steps - 1, 1), pair.Value.Sin.narrow(1, steps - 1, 1)));
        _rowMasks = _rowMasks.ToDictionary(pair => pair.Key, pair => pair.Value.narrow(3, steps - 1, 1));
        _rowPerLayerInputs = _rowPerLayerInputs?.narrow(1, steps - 1, 1);
        GatherUnits();
    }

    /// <summary>
    /// Lets a tensor made inside a layer's dispose scope outlive it (Gemma 4's shared keys and
    /// values are read by later layers); it is freed when the pass's context is disposed.
    /// </summary>
    public Tensor Keep(Tensor tensor)
    {
        _owned.Add(tensor.DetachFromDisposeScope());
        return tensor;
    }

    public void Dispose()
    {
        foreach (Tensor tensor in _owned)
        {
            tensor.Dispose();
        }

        _owned.Clear();
    }

    /// <summary>Applies the pass's edits (if any) to a writer's output.</summary>
    public Tensor Edit(int layer, WriterKind writer, Tensor output) => Edits is null ? output : Edits.Apply(layer, writer, output);
}
