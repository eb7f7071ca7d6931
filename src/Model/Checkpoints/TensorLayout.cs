namespace Geode.Model.Checkpoints;

/// <summary>Where a tensor goes in a safetensors file about to be written: its name, element type and shape.</summary>
/// <param name="Name">The tensor's name; unique in the file and not <c>__metadata__</c>.</param>
/// <param name="DType">The element type it is stored as.</param>
/// <param name="Shape">The dimensions; empty for a scalar.</param>
public sealed record TensorLayout(string Name, SafetensorsDType DType, long[] Shape)
{
    /// <summary>The layout of an existing tensor entry, e.g. to copy a checkpoint with some tensors changed.</summary>
    public static TensorLayout Of(TensorInfo info) => new(info.Name, info.DType, info.Shape);
}
