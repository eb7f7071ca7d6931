namespace Geode.Analysis.Maps;

/// <summary>How a <see cref="LayerMap"/> projected the activations to the plane.</summary>
public enum MapMethod
{
    /// <summary>The top two principal components (linear; distances along them are faithful).</summary>
    Pca,

    /// <summary>UMAP (non-linear; neighbourhoods are faithful, distances between clusters are not).</summary>
    Umap,
}
