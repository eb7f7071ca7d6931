namespace Geode.Analysis.Maps;

/// <summary>A UMAP map: the coordinates and everything needed to reproduce them.</summary>
/// <param name="Coordinates">y [N, dimensions], one row per input row.</param>
/// <param name="Curve">The (a, b) fitted from <see cref="UmapOptions.MinDist"/> and <see cref="UmapOptions.Spread"/>.</param>
/// <param name="Options">The parameters used, seed included.</param>
public sealed record UmapEmbedding(double[,] Coordinates, UmapCurve Curve, UmapOptions Options);
