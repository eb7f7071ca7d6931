using Geode.Grains.Wire;
using Geode.Model.Native;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using static TorchSharp.torch;

namespace Geode.Grains.Tests;

public sealed class TensorPayloadTests
{
    public TensorPayloadTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    public static TheoryData<ScalarType> DTypes =>
        [ScalarType.Float32, ScalarType.Float64, ScalarType.BFloat16, ScalarType.Float16, ScalarType.Int64, ScalarType.Int32];

    private static Tensor Sample(ScalarType dtype)
    {
        Tensor values = tensor(new double[] { 1.5, -0.0, 3e4, -7.25, 0.1, 42, 1e-3, -1 }).reshape(2, 4);
        if (dtype is ScalarType.Int64 or ScalarType.Int32)
        {
            return (values * 1000).to(dtype);
        }

        Tensor floating = values.to(dtype);
        floating[0, 1] = tensor(double.NaN).to(dtype);
        return floating;
    }

    [Theory]
    [MemberData(nameof(DTypes))]
    public void A_tensor_survives_the_wire_bit_for_bit(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        Tensor original = Sample(dtype).t(); // not contiguous: the payload must still be row-major
        Serializer serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

        TensorPayload payload = TensorPayloads.ToPayload(original);
        TensorPayload received = serializer.Deserialize<TensorPayload>(serializer.SerializeToArray(payload))!;
        Tensor back = TensorPayloads.ToTensor(received);

        Assert.Equal([4L, 2L], received.Shape);
        Assert.Equal(dtype, back.dtype);
        Assert.Equal(original.contiguous().bytes.ToArray(), back.bytes.ToArray());
    }

    [Fact]
    public void A_payload_whose_bytes_do_not_match_its_shape_is_refused()
    {
        var payload = new TensorPayload(new byte[12], [2, 2], "float32");

        ArgumentException error = Assert.Throws<ArgumentException>(() => TensorPayloads.ToTensor(payload));

        Assert.Contains("needs 16 bytes; the payload has 12", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => TensorPayloads.ToTensor(payload with { DType = "complex64" }));
    }
}
