using System.Buffers.Binary;
using Geode.Model.Checkpoints;
using Geode.Model.Native;
using Geode.Tests;
using TorchSharp;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Checkpoints;

/// <summary>Reading the Hugging Face reference checkpoints and hand-built files.</summary>
public sealed class SafetensorsFileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public SafetensorsFileTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    public static TheoryData<string, string> Fixtures => new()
    {
        { "gemma4-tiny-a", "model.safetensors" },
        { "gemma4-tiny-b", "model.safetensors" },
        { "gemma3-tiny", "model.safetensors" },
        { "llama-tiny", "model.safetensors" },
        { "gemma4-tiny-a", "reference.safetensors" },
        { "llama-tiny", "reference.safetensors" },
    };

    public void Dispose() => _temp.Dispose();

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Fixture_header_matches_an_independent_parse(string fixture, string fileName)
    {
        string path = Path.Combine(RepositoryPaths.HfFixture(fixture), fileName);
        (List<RawEntry> entries, Dictionary<string, string>? metadata) = RawSafetensors.Parse(path);
        long dataStart = 8 + RawSafetensors.HeaderLength(path);

        using SafetensorsFile file = SafetensorsFile.Open(path);

        RawEntry[] byOffset = [.. entries.OrderBy(e => e.Begin)];
        Assert.Equal(byOffset.Select(e => e.Name), file.Tensors.Select(t => t.Name));
        foreach (RawEntry entry in entries)
        {
            TensorInfo info = file.Get(entry.Name);
            Assert.Equal(entry.DType, info.DType.HeaderName());
            Assert.Equal(entry.Shape, info.Shape);
            Assert.Equal(dataStart + entry.Begin, info.DataOffset);
            Assert.Equal(entry.End - entry.Begin, info.ByteLength);
            Assert.Equal(entry.Shape.Aggregate(1L, (a, b) => a * b), info.ElementCount);
            Assert.True(file.Contains(entry.Name));
        }

        Assert.Equal(metadata ?? [], file.Metadata);
        Assert.Equal(path, file.Path);
        Assert.False(file.Contains("no.such.tensor"));
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Every_fixture_tensor_reads_back_the_bytes_at_its_offsets(string fixture, string fileName)
    {
        string path = Path.Combine(RepositoryPaths.HfFixture(fixture), fileName);
        using SafetensorsFile file = SafetensorsFile.Open(path);

        foreach (RawEntry entry in RawSafetensors.Parse(path).Entries)
        {
            byte[] expected = RawSafetensors.Slice(path, entry);
            using Tensor tensor = file.Read(entry.Name);

            Assert.Equal(file.Get(entry.Name).DType.ToScalarType(), tensor.dtype);
            Assert.Equal(entry.Shape, tensor.shape);
            Assert.Equal(expected, tensor.bytes.ToArray());
            Assert.Equal(expected, file.ReadBytes(entry.Name));
        }
    }

    [Fact]
    public void Gemma4_values_agree_with_byte_arithmetic_on_the_file()
    {
        string path = Path.Combine(RepositoryPaths.HfFixture("gemma4-tiny-a"), "model.safetensors");
        byte[] raw = File.ReadAllBytes(path);
        RawEntry embed = RawSafetensors.Parse(path).Entries.Single(e => e.Name == "model.embed_tokens.weight");
        long start = 8 + RawSafetensors.HeaderLength(path) + embed.Begin;
        float At(long row, long column) =>
            BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan((int)(start + 4 * ((row * embed.Shape[1]) + column)), 4));

        using SafetensorsFile file = SafetensorsFile.Open(path);
        using Tensor tensor = file.Read("model.embed_tokens.weight");

        Assert.Equal([256L, 64L], tensor.shape);
        foreach ((long row, long column) in new[] { (1L, 0L), (1L, 63L), (17L, 5L), (128L, 32L), (255L, 63L) })
        {
            float expected = At(row, column);
            Assert.NotEqual(0f, expected);
            Assert.Equal(expected, tensor[row, column].item<float>());
        }

        // Read once with Python's struct module, as a check on the arithmetic above.
        Assert.Equal(-0.00541141489520669, tensor[1, 0].item<float>(), 1e-9);
        Assert.Equal(0f, tensor[0, 0].item<float>());
    }

    [Fact]
    public void Reference_input_ids_are_int64_token_ids()
    {
        string path = Path.Combine(RepositoryPaths.HfFixture("gemma4-tiny-a"), "reference.safetensors");
        byte[] raw = File.ReadAllBytes(path);
        RawEntry ids = RawSafetensors.Parse(path).Entries.Single(e => e.Name == "input_ids");
        long start = 8 + RawSafetensors.HeaderLength(path) + ids.Begin;
        long[] expected = [.. Enumerable.Range(0, 28).Select(i => BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan((int)start + (8 * i), 8)))];

        using SafetensorsFile file = SafetensorsFile.Open(path);
        using Tensor tensor = file.Read("input_ids");

        Assert.Equal(ScalarType.Int64, tensor.dtype);
        Assert.Equal(expected, tensor.data<long>().ToArray());
        Assert.All(expected, id => Assert.InRange(id, 0, 255));
        Assert.Contains(expected, id => id != 0);
    }

    [Fact]
    public void Bf16_read_as_f32_equals_widening_the_bits_by_hand()
    {
        ushort[] bits = [0x0000, 0x8000, 0x3F80, 0xBF80, 0x4049, 0x7F7F, 0x0001, 0x7F80, 0xFF80, 0x3E9A, 0xC2F7, 0x7FC0];
        byte[] data = new byte[bits.Length * 2];
        for (int i = 0; i < bits.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2 * i), bits[i]);
        }

        string path = RawSafetensors.Write(_temp.File("bf16.safetensors"),
            $$$"""{"w":{"dtype":"BF16","shape":[3,4],"data_offsets":[0,{{{data.Length}}}]}}""", data);
        using SafetensorsFile file = SafetensorsFile.Open(path);

        using Tensor stored = file.Read("w");
        using Tensor widened = file.Read("w", ScalarType.Float32);

        Assert.Equal(ScalarType.BFloat16, stored.dtype);
        Assert.Equal(ScalarType.Float32, widened.dtype);
        Assert.Equal([3L, 4L], widened.shape);
        int[] expected = [.. bits.Select(b => b << 16)];
        int[] actual = [.. widened.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits)];
        Assert.Equal(expected, actual);
        Assert.Equal(1f, widened[0, 2].item<float>());
        Assert.Equal(3.140625f, widened[1, 0].item<float>());
    }

    [Fact]
    public void Read_converts_dtype_and_honours_a_cpu_device()
    {
        string path = Path.Combine(RepositoryPaths.HfFixture("llama-tiny"), "model.safetensors");
        using SafetensorsFile file = SafetensorsFile.Open(path);
        string name = file.Tensors[0].Name;

        using Tensor f32 = file.Read(name);
        using Tensor f64 = file.Read(name, ScalarType.Float64, CPU);

        Assert.Equal(ScalarType.Float64, f64.dtype);
        Assert.Equal(DeviceType.CPU, f64.device_type);
        Assert.Equal(f32.data<float>().ToArray().Select(v => (double)v), f64.data<double>().ToArray());
    }

    [Fact]
    public void A_read_tensor_joins_the_callers_dispose_scope_and_outlives_none_it_did_not_open()
    {
        string path = Path.Combine(RepositoryPaths.HfFixture("llama-tiny"), "model.safetensors");
        using SafetensorsFile file = SafetensorsFile.Open(path);
        string name = file.Tensors[0].Name;

        Tensor scoped;
        using (NewDisposeScope())
        {
            scoped = file.Read(name, ScalarType.Float64);
            Assert.False(scoped.IsInvalid);
        }

        using Tensor unscoped = file.Read(name, ScalarType.Float64);
        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.True(scoped.IsInvalid);
        Assert.False(unscoped.IsInvalid);
        Assert.Equal(file.ReadBytes(name).Length * 2, unscoped.bytes.Length);
    }

    [Fact]
    public void Scalar_and_empty_tensors_are_read()
    {
        byte[] data = BitConverter.GetBytes(2.5f);
        string path = RawSafetensors.Write(_temp.File("edge.safetensors"),
            """{"scalar":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"empty":{"dtype":"I64","shape":[0,3],"data_offsets":[4,4]}}""", data);

        using SafetensorsFile file = SafetensorsFile.Open(path);
        using Tensor scalar = file.Read("scalar");
        using Tensor empty = file.Read("empty");

        Assert.Empty(scalar.shape);
        Assert.Equal(2.5f, scalar.item<float>());
        Assert.Equal([0L, 3L], empty.shape);
        Assert.Equal(ScalarType.Int64, empty.dtype);
        Assert.Empty(file.ReadBytes("empty"));
    }

    [Fact]
    public void Reading_a_file_shortened_after_opening_is_bad_input_naming_the_tensor()
    {
        string path = RawSafetensors.Write(_temp.File("shrinks.safetensors"),
            """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", new byte[16]);
        using SafetensorsFile file = SafetensorsFile.Open(path);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(stream.Length - 4);
        }

        var error = Assert.Throws<BadInputException>(() => file.Read("a"));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("'a'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_disposed_file_refuses_reads()
    {
        string path = Path.Combine(RepositoryPaths.HfFixture("llama-tiny"), "model.safetensors");
        SafetensorsFile file = SafetensorsFile.Open(path);
        string name = file.Tensors[0].Name;
        file.Dispose();

        Assert.Throws<ObjectDisposedException>(() => file.ReadBytes(name));
    }
}
