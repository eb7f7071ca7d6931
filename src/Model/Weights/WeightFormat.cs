namespace Geode.Model.Weights;

/// <summary>How a model holds its weight matrices in memory.</summary>
public enum WeightFormat
{
    /// <summary>Every tensor in the compute dtype.</summary>
    Dense,

    /// <summary>
    /// Weight-only int8, as bitsandbytes' LLM.int8 stores weights (without its outlier
    /// decomposition): every weight matrix as int8 codes with one float32 absmax scale per row
    /// (scale = max |row| / 127, symmetric), dequantised per layer on the fly; vectors (norms,
    /// biases, layer scalars) stay in the compute dtype. See <see cref="Int8Rows"/>.
    /// </summary>
    Int8,
}
