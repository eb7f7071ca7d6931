namespace Geode.Model.Checkpoints;

/// <summary>One tensor's entry in a safetensors header, validated against its file.</summary>
/// <param name="Name">The tensor's name, e.g. <c>model.layers.0.mlp.down_proj.weight</c>.</param>
/// <param name="DType">The stored element type.</param>
/// <param name="Shape">The dimensions; empty for a scalar.</param>
/// <param name="DataOffset">The absolute file offset of the first byte (header offsets plus 8 + header length).</param>
/// <param name="ByteLength">The number of bytes: the product of <paramref name="Shape"/> times the element size.</param>
public sealed record TensorInfo(string Name, SafetensorsDType DType, long[] Shape, long DataOffset, long ByteLength)
{
    /// <summary>The number of elements (1 for a scalar).</summary>
    public long ElementCount => ByteLength / DType.ElementSize();
}
