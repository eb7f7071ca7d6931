using Geode.Model.Config;
using Geode.Model.Edits;
using static TorchSharp.torch;

namespace Geode.Model.Inference;

/// <summary>
/// Per-pass state the layers share: positions, masks, rotary tables, Gemma 4's shared keys/values,
/// the per-layer inputs and the edits. Built once per forward; lives inside the pass's dispose scope.
/// </summary>
internal sealed class ForwardContext
{
    private readonly Dictionary<RopeSpec, (Tensor Cos, Tensor Sin)> _rope = [];
    private readonly Func<RopeSpec, (Tensor Cos, Tensor Sin)> _makeRope;

    public ForwardContext(Tensor positions, IReadOnlyDictionary<AttentionKind, Tensor> masks, Func<RopeSpec, (Tensor, Tensor)> makeRope)
    {
        Positions = positions;
        Masks = masks;
        _makeRope = makeRope;
    }

    /// <summary>RoPE positions [B, T].</summary>
    public Tensor Positions { get; }

    /// <summary>Additive attention masks [B, 1, 1, T, S] per attention kind.</summary>
    public IReadOnlyDictionary<AttentionKind, Tensor> Masks { get; }

    /// <summary>The cache to extend, or null.</summary>
    public KvCache? Cache { get; init; }

    /// <summary>Keys/values produced this pass by Gemma 4 KV-source layers, by layer index.</summary>
    public Dictionary<int, (Tensor Keys, Tensor Values)> SharedKv { get; } = [];

    /// <summary>Gemma 4 per-layer inputs [B, T, L, P], or null.</summary>
    public Tensor? PerLayerInputs { get; init; }

    /// <summary>Resolved edits and which rows use each; null when unedited.</summary>
    public EditApplication? Edits { get; init; }

    /// <summary>cos/sin tables for a rotary spec, computed once per pass.</summary>
    public (Tensor Cos, Tensor Sin) Rope(RopeSpec spec)
    {
        if (!_rope.TryGetValue(spec, out (Tensor Cos, Tensor Sin) tables))
        {
            tables = _makeRope(spec);
            _rope[spec] = tables;
        }

        return tables;
    }

    /// <summary>Applies the pass's edits (if any) to a writer's output.</summary>
    public Tensor Edit(int layer, WriterKind writer, Tensor output) => Edits is null ? output : Edits.Apply(layer, writer, output);
}
