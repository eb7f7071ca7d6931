using System.Diagnostics.CodeAnalysis;
using TorchSharp;

namespace Geode.Model.Checkpoints;

/// <summary>Conversions between <see cref="SafetensorsDType"/>, its header spelling and TorchSharp's scalar types.</summary>
public static class SafetensorsDTypes
{
    /// <summary>Every supported type, in the order the enum declares them.</summary>
    public static IReadOnlyList<SafetensorsDType> All { get; } = Enum.GetValues<SafetensorsDType>();

    /// <summary>The supported header spellings, comma-separated, for error messages.</summary>
    public static string SupportedNames { get; } = string.Join(", ", All.Select(HeaderName));

    /// <summary>The size of one element in bytes.</summary>
    public static int ElementSize(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F64 or SafetensorsDType.I64 => 8,
        SafetensorsDType.F32 or SafetensorsDType.I32 => 4,
        SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.I16 => 2,
        SafetensorsDType.I8 or SafetensorsDType.U8 or SafetensorsDType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>The spelling used in a safetensors header, e.g. <c>BF16</c> or <c>BOOL</c>.</summary>
    public static string HeaderName(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.Bool => "BOOL",
        _ when Enum.IsDefined(dtype) => dtype.ToString(),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>Parses a header spelling (case-sensitive, as the format defines it).</summary>
    /// <returns>False for any type this reader does not support, e.g. <c>F8_E4M3</c>.</returns>
    public static bool TryParse(string headerName, [NotNullWhen(true)] out SafetensorsDType? dtype)
    {
        foreach (SafetensorsDType candidate in All)
        {
            if (string.Equals(candidate.HeaderName(), headerName, StringComparison.Ordinal))
            {
                dtype = candidate;
                return true;
            }
        }

        dtype = null;
        return false;
    }

    /// <summary>The TorchSharp scalar type with the same bytes.</summary>
    public static torch.ScalarType ToScalarType(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F64 => torch.ScalarType.Float64,
        SafetensorsDType.F32 => torch.ScalarType.Float32,
        SafetensorsDType.F16 => torch.ScalarType.Float16,
        SafetensorsDType.BF16 => torch.ScalarType.BFloat16,
        SafetensorsDType.I64 => torch.ScalarType.Int64,
        SafetensorsDType.I32 => torch.ScalarType.Int32,
        SafetensorsDType.I16 => torch.ScalarType.Int16,
        SafetensorsDType.I8 => torch.ScalarType.Int8,
        SafetensorsDType.U8 => torch.ScalarType.Byte,
        SafetensorsDType.Bool => torch.ScalarType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>The safetensors type for a TorchSharp scalar type.</summary>
    /// <exception cref="NotSupportedException">The type has no safetensors counterpart here (e.g. complex).</exception>
    public static SafetensorsDType FromScalarType(torch.ScalarType scalarType) => scalarType switch
    {
        torch.ScalarType.Float64 => SafetensorsDType.F64,
        torch.ScalarType.Float32 => SafetensorsDType.F32,
        torch.ScalarType.Float16 => SafetensorsDType.F16,
        torch.ScalarType.BFloat16 => SafetensorsDType.BF16,
        torch.ScalarType.Int64 => SafetensorsDType.I64,
        torch.ScalarType.Int32 => SafetensorsDType.I32,
        torch.ScalarType.Int16 => SafetensorsDType.I16,
        torch.ScalarType.Int8 => SafetensorsDType.I8,
        torch.ScalarType.Byte => SafetensorsDType.U8,
        torch.ScalarType.Bool => SafetensorsDType.Bool,
        _ => throw new NotSupportedException(
            $"Tensors of type {scalarType} cannot be stored in safetensors here; supported: {SupportedNames}."),
    };
}
