using Geode.Model.Checkpoints;
using Geode.Model.Native;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Checkpoints;

/// <summary>Chunked access to tensor memory, the path tensors over 2 GiB take.</summary>
public sealed class TensorMemoryTests
{
    public TensorMemoryTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    [Fact]
    public void Chunks_cover_the_tensor_in_order_with_whole_elements()
    {
        using var scope = NewDisposeScope();
        Tensor source = arange(1000, dtype: ScalarType.Float32).reshape(10, 100);
        var offsets = new List<long>();
        var collected = new List<byte>();

        TensorMemory.ForEachChunk(source, (chunk, offset) =>
        {
            offsets.Add(offset);
            collected.AddRange(chunk.ToArray());
        }, chunkBytes: 150);

        Assert.Equal(Enumerable.Range(0, 28).Select(i => i * 148L), offsets);
        Assert.Equal(source.bytes.ToArray(), collected);
    }

    [Fact]
    public void Writing_through_chunks_fills_the_tensor()
    {
        using var scope = NewDisposeScope();
        Tensor target = empty([3, 5, 7], dtype: ScalarType.Int64);
        long[] values = [.. Enumerable.Range(0, 105).Select(i => (long)i * 1_000_000_007)];
        byte[] source = [.. values.SelectMany(BitConverter.GetBytes)];

        TensorMemory.ForEachChunk(target, (chunk, offset) => source.AsSpan((int)offset, chunk.Length).CopyTo(chunk), chunkBytes: 24);

        Assert.Equal(values, target.data<long>().ToArray());
    }

    [Fact]
    public void A_non_contiguous_tensor_is_refused()
    {
        using var scope = NewDisposeScope();
        Tensor transposed = zeros(3, 4).t();

        Assert.Throws<ArgumentException>(() => TensorMemory.ForEachChunk(transposed, (_, _) => { }));
    }

    [Theory]
    [InlineData(SafetensorsDType.F64, "F64", 8, ScalarType.Float64)]
    [InlineData(SafetensorsDType.BF16, "BF16", 2, ScalarType.BFloat16)]
    [InlineData(SafetensorsDType.F16, "F16", 2, ScalarType.Float16)]
    [InlineData(SafetensorsDType.U8, "U8", 1, ScalarType.Byte)]
    [InlineData(SafetensorsDType.I8, "I8", 1, ScalarType.Int8)]
    [InlineData(SafetensorsDType.Bool, "BOOL", 1, ScalarType.Bool)]
    public void Dtype_helpers_agree_with_torch(SafetensorsDType dtype, string headerName, int size, ScalarType scalarType)
    {
        using var scope = NewDisposeScope();

        Assert.Equal(headerName, dtype.HeaderName());
        Assert.Equal(size, dtype.ElementSize());
        Assert.Equal(scalarType, dtype.ToScalarType());
        Assert.Equal(dtype, SafetensorsDTypes.FromScalarType(scalarType));
        Assert.True(SafetensorsDTypes.TryParse(headerName, out SafetensorsDType? parsed));
        Assert.Equal(dtype, parsed);
        Assert.Equal(size, empty(1, dtype: scalarType).element_size());
    }
}
