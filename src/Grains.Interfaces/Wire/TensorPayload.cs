namespace Geode.Grains.Wire;

/// <summary>
/// A tensor on the wire: its raw little-endian bytes, shape and dtype name. Orleans copies a
/// <c>byte[]</c> an order of magnitude faster than a <c>float[]</c> (reference/dotnet.md), and the
/// type is immutable so local calls pass it without a deep copy. Converting to and from torch
/// tensors lives in the Grains project (<c>TensorPayloads</c>), so contracts need no torch.
/// </summary>
/// <param name="Data">The elements, contiguous, row-major, little-endian.</param>
/// <param name="Shape">The dimensions; empty for a scalar.</param>
/// <param name="DType">One of <c>float32</c>, <c>float64</c>, <c>bfloat16</c>, <c>float16</c>, <c>int64</c>, <c>int32</c>.</param>
[GenerateSerializer]
[Immutable]
[Alias("geode.tensor")]
public sealed record TensorPayload(
    [property: Id(0)] byte[] Data,
    [property: Id(1)] long[] Shape,
    [property: Id(2)] string DType)
{
    /// <summary>Elements in the tensor.</summary>
    public long ElementCount => Shape.Aggregate(1L, (product, dimension) => product * dimension);
}
