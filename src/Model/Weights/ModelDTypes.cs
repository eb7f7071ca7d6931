using static TorchSharp.torch;

namespace Geode.Model.Weights;

/// <summary>
/// The precisions Geode runs models in, by the names users write (<c>--dtype</c>, <c>model.dtype</c>,
/// a cascade's <c>precision</c>): one table for the CLI, campaign files and the silo's model pool.
/// Every name is distinct, so stores keyed by the name (activation captures) never mix precisions.
/// </summary>
public static class ModelDTypes
{
    /// <summary>The name of weight-only int8 with bfloat16 compute.</summary>
    public const string Int8 = "int8";

    private static readonly (string Name, ModelPrecision Precision)[] Table =
    [
        ("float32", new(ScalarType.Float32)),
        ("bfloat16", new(ScalarType.BFloat16)),
        ("float16", new(ScalarType.Float16)),
        ("float64", new(ScalarType.Float64)),

        // bitsandbytes' 8-bit loading computes in 16-bit floats; bfloat16 keeps Gemma's large
        // activations in range where float16 would overflow.
        (Int8, new(ScalarType.BFloat16, WeightFormat.Int8)),
    ];

    /// <summary>The accepted names, float32 first.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Table.Select(t => t.Name)];

    /// <summary>The precision called <paramref name="name"/> (case-insensitive, trimmed), if it is one.</summary>
    public static bool TryParse(string name, out ModelPrecision precision)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach ((string known, ModelPrecision value) in Table)
        {
            if (string.Equals(known, name.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                precision = value;
                return true;
            }
        }

        precision = default;
        return false;
    }

    /// <summary>The user-facing name of <paramref name="precision"/> (e.g. <c>bfloat16</c>, <c>int8</c>).</summary>
    public static string NameOf(ModelPrecision precision)
    {
        foreach ((string name, ModelPrecision value) in Table)
        {
            if (value == precision)
            {
                return name;
            }
        }

        string compute = NameOf(precision.Compute);
        return precision.Int8Weights ? $"{Int8}/{compute}" : compute;
    }

    /// <summary>The user-facing name of the dense precision <paramref name="dtype"/> (e.g. <c>bfloat16</c>).</summary>
    public static string NameOf(ScalarType dtype)
    {
        foreach ((string name, ModelPrecision value) in Table)
        {
            if (value == new ModelPrecision(dtype))
            {
                return name;
            }
        }

        return dtype.ToString().ToLowerInvariant();
    }
}
