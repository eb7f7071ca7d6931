namespace Geode.Model.Edits;

/// <summary>How an edit changes a writer W [out=H, in].</summary>
public enum EditVariant
{
    /// <summary><c>W ← W − α U Uᵀ W</c>.</summary>
    Projection,

    /// <summary>Projection, then each output row rescaled to its norm before the edit.</summary>
    NormPreserving,
}
