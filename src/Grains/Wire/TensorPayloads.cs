using static TorchSharp.torch;

namespace Geode.Grains.Wire;

/// <summary>Converts between torch tensors and <see cref="TensorPayload"/>, bit for bit.</summary>
public static class TensorPayloads
{
    private static readonly Dictionary<ScalarType, (string Name, int Size)> Types = new()
    {
        [ScalarType.Float32] = ("float32", 4),
        [ScalarType.Float64] = ("float64", 8),
        [ScalarType.BFloat16] = ("bfloat16", 2),
        [ScalarType.Float16] = ("float16", 2),
        [ScalarType.Int64] = ("int64", 8),
        [ScalarType.Int32] = ("int32", 4),
    };

    /// <summary>The payload of <paramref name="tensor"/> (copied to the CPU, made contiguous).</summary>
    /// <exception cref="ArgumentException">The dtype has no wire name.</exception>
    public static TensorPayload ToPayload(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!Types.TryGetValue(tensor.dtype, out (string Name, int Size) type))
        {
            throw new ArgumentException($"A {tensor.dtype} tensor cannot go on the wire; use one of {string.Join(", ", Types.Values.Select(t => t.Name))}.", nameof(tensor));
        }

        using var scope = NewDisposeScope();
        Tensor cpu = tensor.detach().cpu().contiguous();
        byte[] data = new byte[cpu.NumberOfElements * type.Size];
        // bytes() copies the storage as is; every dtype here is little-endian on the platforms libtorch supports.
        cpu.bytes.CopyTo(data);
        return new TensorPayload(data, [.. cpu.shape], type.Name);
    }

    /// <summary>A new CPU tensor holding <paramref name="payload"/>'s values.</summary>
    /// <exception cref="ArgumentException">Unknown dtype, or the byte count does not match the shape.</exception>
    public static Tensor ToTensor(TensorPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        KeyValuePair<ScalarType, (string Name, int Size)> type = Types.FirstOrDefault(t => t.Value.Name == payload.DType);
        if (type.Value.Name is null)
        {
            throw new ArgumentException($"Unknown wire dtype '{payload.DType}'.", nameof(payload));
        }

        if (payload.Shape.Any(d => d < 0) || payload.ElementCount * type.Value.Size != payload.Data.LongLength)
        {
            throw new ArgumentException($"A {payload.DType} tensor of shape [{string.Join(", ", payload.Shape)}] needs {payload.ElementCount * type.Value.Size} bytes; the payload has {payload.Data.Length}.", nameof(payload));
        }

        Tensor tensor = empty(payload.Shape, type.Key, CPU);
        tensor.bytes = payload.Data;
        return tensor;
    }
}
