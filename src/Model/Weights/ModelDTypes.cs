using static TorchSharp.torch;

namespace Geode.Model.Weights;

/// <summary>
/// The dtypes Geode runs models in, by the names users write (<c>--dtype</c>, <c>model.dtype</c>,
/// a cascade's <c>precision</c>): one table for the CLI, campaign files and the silo's model pool.
/// </summary>
public static class ModelDTypes
{
    private static readonly (string Name, ScalarType DType)[] Table =
    [
        ("float32", ScalarType.Float32),
        ("bfloat16", ScalarType.BFloat16),
        ("float16", ScalarType.Float16),
        ("float64", ScalarType.Float64),
    ];

    /// <summary>The accepted names, float32 first.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Table.Select(t => t.Name)];

    /// <summary>The dtype called <paramref name="name"/> (case-insensitive, trimmed), if it is one.</summary>
    public static bool TryParse(string name, out ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach ((string known, ScalarType value) in Table)
        {
            if (string.Equals(known, name.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                dtype = value;
                return true;
            }
        }

        dtype = default;
        return false;
    }

    /// <summary>The user-facing name of <paramref name="dtype"/> (e.g. <c>bfloat16</c>).</summary>
    public static string NameOf(ScalarType dtype)
    {
        foreach ((string name, ScalarType value) in Table)
        {
            if (value == dtype)
            {
                return name;
            }
        }

        return dtype.ToString().ToLowerInvariant();
    }
}
