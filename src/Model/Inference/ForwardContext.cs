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

    /// <remarks>
    /// Every tensor here must belong to the pass's outermost dispose scope: layers run in scopes
    /// of their own, and anything first created inside one would be gone for the next layer.
    /// </remarks>
    public ForwardContext(Tensor positions, IReadOnlyDictionary<AttentionKind, Tensor> masks, IReadOnlyDictionary<RopeSpec, (Tensor Cos, Tensor Sin)> rope)
    {
        Positions = positions;
        Masks = masks;
        _rope = rope;
    }

    /// <summary>RoPE positions [B, T].</summary>
    public Tensor Positions { get; private set; }

    /// <summary>Additive attention masks [B, 1, 1, T, S] per attention kind.</summary>
    public IReadOnlyDictionary<AttentionKind, Tensor> Masks { get; private set; }

    /// <summary>The cache to extend, or null.</summary>
    public KvCache? Cache { get; init; }

    /// <summary>Keys/values produced this pass by Gemma 4 KV-source layers, by layer index.</summary>
    public Dictionary<int, (Tensor Keys, Tensor Values)> SharedKv { get; } = [];

    /// <summary>Gemma 4 per-layer inputs [B, T, L, P], or null.</summary>
    public Tensor? PerLayerInputs { get; set; }

    /// <summary>Resolved edits and which rows use each; null when unedited.</summary>
    public EditApplication? Edits { get; init; }

    /// <summary>The rotary tables a layer type uses, computed once per pass.</summary>
    public IReadOnlyDictionary<RopeSpec, (Tensor Cos, Tensor Sin)> RopeTables => _rope;

    /// <summary>cos/sin tables [B,T,1,d] for a rotary spec.</summary>
    public (Tensor Cos, Tensor Sin) Rope(RopeSpec spec) => _rope[spec];

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
        Masks = Masks.ToDictionary(pair => pair.Key, pair => pair.Value.narrow(3, steps - 1, 1));
        PerLayerInputs = PerLayerInputs?.narrow(1, steps - 1, 1);
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
