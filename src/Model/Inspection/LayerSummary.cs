using Geode.Model.Config;
using Geode.Model.Edits;

namespace Geode.Model.Inspection;

/// <summary>One decoder layer as <see cref="ArchitectureSummary"/> describes it.</summary>
/// <param name="Index">The layer's index, 0-based.</param>
/// <param name="Kind">Full or sliding-window attention.</param>
/// <param name="HeadDim">The attention head size.</param>
/// <param name="IntermediateSize">The MLP width.</param>
/// <param name="KvSourceLayer">The layer whose keys and values this one uses: itself unless it is a Gemma 4 KV-shared layer.</param>
/// <param name="Writers">The weights whose output this layer adds to the residual stream.</param>
public sealed record LayerSummary(int Index, AttentionKind Kind, int HeadDim, int IntermediateSize, int KvSourceLayer, IReadOnlyList<WriterKind> Writers);
