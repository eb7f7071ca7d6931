using Geode.Model;
using static TorchSharp.torch;

namespace Geode.Client.Commands;

/// <summary>Parses dtype names given on the command line.</summary>
internal static class DTypes
{
    public static ScalarType Parse(string text, string flag) => text.ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float16" or "fp16" or "f16" => ScalarType.Float16,
        _ => throw new BadInputException($"{flag}: '{text}' is not a dtype; use float32, bfloat16 or float16.", flag),
    };
}
