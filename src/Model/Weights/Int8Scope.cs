namespace Geode.Model.Weights;

/// <summary>
/// Which weight matrices int8 loading quantises. Geode loads <see cref="AllMatrices"/>; the narrower
/// scopes exist to measure what each table contributes (<see cref="WeightFootprint"/>).
/// </summary>
internal enum Int8Scope
{
    /// <summary>The linear layers' weights only, as bitsandbytes' 8-bit loading does.</summary>
    Linears,

    /// <summary>The linears and Gemma 4's per-layer embedding table.</summary>
    LinearsAndPerLayerTable,

    /// <summary>Every matrix: the linears, the per-layer table and the token embedding (with the head tied to it).</summary>
    AllMatrices,
}
