using Geode.Model.Config;
using static TorchSharp.torch;

namespace Geode.Model.Weights;

/// <summary>
/// The bytes a model's weights occupy once loaded, from its configuration alone (no tensor is
/// made): what <see cref="CausalLM.WeightBytes"/> will report for a model of that shape. An int8
/// matrix [R, C] costs R·C bytes of codes plus 4·R bytes of float32 scales; every other tensor its
/// elements times the compute dtype's size.
/// </summary>
public static class WeightFootprint
{
    /// <summary>The resident bytes of <paramref name="config"/>'s weights at <paramref name="precision"/>.</summary>
    public static long Bytes(ModelConfig config, ModelPrecision precision) => Bytes(config, precision, Int8Scope.AllMatrices);

    /// <summary>The resident bytes when int8 quantises only the matrices <paramref name="scope"/> names.</summary>
    internal static long Bytes(ModelConfig config, ModelPrecision precision, Int8Scope scope)
    {
        ArgumentNullException.ThrowIfNull(config);
        long elementSize = ElementSize(precision.Compute);
        long bytes = 0;
        foreach ((string name, long[] shape) in ExpectedTensors.For(config))
        {
            long elements = shape.Aggregate(1L, (a, b) => checked(a * b));
            bytes += precision.Int8Weights && Int8Rows.Quantizes(name, shape, scope)
                ? elements + (shape[0] * sizeof(float))
                : elements * elementSize;
        }

        return bytes;
    }

    private static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => 8,
        ScalarType.Float32 => 4,
        ScalarType.BFloat16 or ScalarType.Float16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "a model computes in float64, float32, bfloat16 or float16."),
    };
}
