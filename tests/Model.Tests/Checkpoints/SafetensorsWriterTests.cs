using System.Text;
using Geode.Model.Checkpoints;
using Geode.Model.Native;
using Geode.Tests;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Checkpoints;

/// <summary>Writing safetensors: round trips, header layout, atomic replacement.</summary>
public sealed class SafetensorsWriterTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public SafetensorsWriterTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Int16)]
    [InlineData(ScalarType.Int8)]
    [InlineData(ScalarType.Byte)]
    [InlineData(ScalarType.Bool)]
    public void Write_then_read_is_bit_for_bit(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(11);
        Tensor source = dtype switch
        {
            ScalarType.Int64 => randint(long.MinValue / 2, long.MaxValue / 2, [5, 7], dtype: ScalarType.Int64, generator: generator),
            ScalarType.Bool => randn([5, 7], generator: generator).gt(0),
            ScalarType.Byte or ScalarType.Int8 or ScalarType.Int16 or ScalarType.Int32 =>
                randint(-100, 100, [5, 7], dtype: ScalarType.Int64, generator: generator).to(dtype),
            _ => (randn([5, 7], dtype: ScalarType.Float64, generator: generator) * 1000).to(dtype),
        };
        byte[] expected = source.bytes.ToArray();
        string path = _temp.File("round.safetensors");

        SafetensorsWriter.Write(path, [("t", source)]);

        using SafetensorsFile file = SafetensorsFile.Open(path);
        Tensor back = file.Read("t");
        Assert.Equal(dtype, back.dtype);
        Assert.Equal([5L, 7L], back.shape);
        Assert.Equal(expected, back.bytes.ToArray());
        Assert.Equal(expected, file.ReadBytes("t"));
        Assert.Equal(SafetensorsDTypes.FromScalarType(dtype), file.Get("t").DType);
        Assert.Contains(expected, b => b != 0);
    }

    [Fact]
    public void The_header_keeps_the_given_order_is_padded_with_spaces_and_packs_the_data()
    {
        using var scope = NewDisposeScope();
        (string, Tensor)[] tensors =
        [
            ("zeta", ones(3, dtype: ScalarType.BFloat16)),
            ("alpha", arange(6, dtype: ScalarType.Int64).reshape(2, 3)),
            ("mid.weight", full(2, 2, 0.5f)),
        ];
        string path = _temp.File("order.safetensors");

        SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode" });

        long headerLength = RawSafetensors.HeaderLength(path);
        byte[] header = RawSafetensors.HeaderBytes(path);
        (List<RawEntry> entries, Dictionary<string, string>? metadata) = RawSafetensors.Parse(path);
        Assert.Equal(0, headerLength % 8);
        string text = Encoding.UTF8.GetString(header);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\",\"note\":\"ünïcode\"},\"zeta\":", text, StringComparison.Ordinal);
        Assert.Matches("^[^ ]*} {0,7}$", text);
        Assert.Equal(["zeta", "alpha", "mid.weight"], entries.Select(e => e.Name));
        Assert.Equal(["BF16", "I64", "F32"], entries.Select(e => e.DType));
        Assert.Equal([(0L, 6L), (6L, 54L), (54L, 70L)], entries.Select(e => (e.Begin, e.End)));
        Assert.Equal(8 + headerLength + 70, new FileInfo(path).Length);
        Assert.Equal("ünïcode", metadata!["note"]);

        using SafetensorsFile file = SafetensorsFile.Open(path);
        Assert.Equal(["zeta", "alpha", "mid.weight"], file.Tensors.Select(t => t.Name));
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal([0L, 1, 2, 3, 4, 5], file.Read("alpha").data<long>().ToArray());
    }

    [Theory]
    [InlineData("gemma4-tiny-a", "model.safetensors")]
    [InlineData("gemma3-tiny", "model.safetensors")]
    [InlineData("llama-tiny", "model.safetensors")]
    [InlineData("gemma4-tiny-b", "reference.safetensors")]
    public void Rewriting_a_hugging_face_file_reproduces_it_byte_for_byte(string fixture, string fileName)
    {
        string original = Path.Combine(RepositoryPaths.HfFixture(fixture), fileName);
        string copy = _temp.File(fileName);
        using var scope = NewDisposeScope();
        using SafetensorsFile source = SafetensorsFile.Open(original);

        SafetensorsWriter.Write(
            copy,
            source.Tensors.Select(t => (t.Name, source.Read(t.Name))),
            source.Metadata.Count > 0 ? source.Metadata : null);

        Assert.Equal(File.ReadAllBytes(original), File.ReadAllBytes(copy));
        using SafetensorsFile reread = SafetensorsFile.Open(copy);
        Assert.Equal(source.Tensors, reread.Tensors, TensorInfoComparer.Instance);
    }

    [Fact]
    public void The_layout_overload_produces_each_tensor_only_when_written_and_disposes_it()
    {
        string original = Path.Combine(RepositoryPaths.HfFixture("llama-tiny"), "model.safetensors");
        string copy = _temp.File("streamed.safetensors");
        using SafetensorsFile source = SafetensorsFile.Open(original);
        using Tensor kept = ones(1);
        var produced = new List<Tensor>();
        var aliveAtProduction = new List<int>();

        SafetensorsWriter.Write(
            copy,
            [.. source.Tensors.Select(TensorLayout.Of)],
            name =>
            {
                aliveAtProduction.Add(produced.Count(t => !t.IsInvalid));
                Tensor tensor = source.Read(name);
                produced.Add(tensor);
                return tensor;
            },
            source.Metadata);

        Assert.Equal(File.ReadAllBytes(original), File.ReadAllBytes(copy));
        Assert.Equal(source.Tensors.Count, produced.Count);
        Assert.All(aliveAtProduction, alive => Assert.Equal(0, alive));
        Assert.All(produced, t => Assert.True(t.IsInvalid));

        SafetensorsWriter.Write(_temp.File("kept.safetensors"), [new TensorLayout("k", SafetensorsDType.F32, [1])], _ => kept);
        Assert.False(kept.IsInvalid);
    }

    [Fact]
    public void A_produced_tensor_that_does_not_match_its_layout_is_refused_and_nothing_is_left_behind()
    {
        string path = _temp.File("mismatch/m.safetensors");

        var error = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(
            path, [new TensorLayout("w", SafetensorsDType.BF16, [2, 3])], _ => zeros(2, 3)));

        Assert.Contains("Tensor 'w' is Float32 [2, 3], but its layout says BF16 [2, 3]", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void A_non_contiguous_tensor_is_written_in_logical_order()
    {
        using var scope = NewDisposeScope();
        Tensor matrix = arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        Tensor transposed = matrix.t();
        string path = _temp.File("t.safetensors");

        SafetensorsWriter.Write(path, [("t", transposed)]);

        using SafetensorsFile file = SafetensorsFile.Open(path);
        Assert.Equal([3L, 2L], file.Get("t").Shape);
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], file.Read("t").data<float>().ToArray());
    }

    [Fact]
    public void Scalars_and_empty_tensors_round_trip()
    {
        using var scope = NewDisposeScope();
        string path = _temp.File("edge.safetensors");

        SafetensorsWriter.Write(path, [("s", tensor(7.25)), ("e", zeros(0, 4, dtype: ScalarType.BFloat16)), ("after", tensor(new[] { 1, 2 }))]);

        using SafetensorsFile file = SafetensorsFile.Open(path);
        Assert.Empty(file.Get("s").Shape);
        Assert.Equal(7.25, file.Read("s").item<double>());
        Assert.Equal([0L, 4L], file.Read("e").shape);
        Assert.Equal([1, 2], file.Read("after").data<int>().ToArray());
    }

    [Fact]
    public void Writing_replaces_an_existing_file_and_leaves_no_temporary_file()
    {
        using var scope = NewDisposeScope();
        string path = _temp.File("out/replace.safetensors");
        File.WriteAllText(path, "old contents");

        SafetensorsWriter.Write(path, [("x", ones(2))]);

        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
        using SafetensorsFile file = SafetensorsFile.Open(path);
        Assert.Equal([1f, 1f], file.Read("x").data<float>().ToArray());
    }

    [Fact]
    public void A_failed_write_leaves_the_previous_file_untouched()
    {
        using var scope = NewDisposeScope();
        string path = _temp.File("keep/kept.safetensors");
        SafetensorsWriter.Write(path, [("x", ones(2))]);
        byte[] before = File.ReadAllBytes(path);

        IEnumerable<(string, Tensor)> Failing()
        {
            yield return ("y", zeros(3));
            throw new IOException("disk on fire");
        }

        Assert.Throws<IOException>(() => SafetensorsWriter.Write(path, Failing()));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [("a", ones(1)), ("a", ones(1))]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [("__metadata__", ones(1))]));
        Assert.Throws<NotSupportedException>(() => SafetensorsWriter.Write(path, [("c", ones(2, dtype: ScalarType.ComplexFloat32))]));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    /// <summary>Compares header entries by value (records compare arrays by reference).</summary>
    private sealed class TensorInfoComparer : IEqualityComparer<TensorInfo>
    {
        public static TensorInfoComparer Instance { get; } = new();

        public bool Equals(TensorInfo? x, TensorInfo? y) =>
            x is not null && y is not null && x.Name == y.Name && x.DType == y.DType && x.Shape.SequenceEqual(y.Shape)
            && x.DataOffset == y.DataOffset && x.ByteLength == y.ByteLength;

        public int GetHashCode(TensorInfo obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void ReadSlice_reads_one_first_axis_slice_equal_to_indexing_the_whole_tensor(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        Tensor source = randn([4, 3, 5], generator: new TorchSharp.torch.Generator(3)).to(dtype);
        string path = _temp.File("slices.safetensors");
        SafetensorsWriter.Write(path, [("x", source)]);
        using SafetensorsFile file = SafetensorsFile.Open(path);
        for (int i = 0; i < 4; i++)
        {
            Tensor slice = file.ReadSlice("x", i);
            Assert.Equal(new long[] { 3, 5 }, slice.shape);
            Assert.Equal(dtype, slice.dtype);
            Assert.True(slice.to(ScalarType.Float32).allclose(source[i].to(ScalarType.Float32), rtol: 0, atol: 0), $"slice {i} differs");
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => file.ReadSlice("x", 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => file.ReadSlice("x", -1));
    }

    [Fact]
    public void Slices_copied_file_by_file_into_a_streamed_write_equal_the_concatenation()
    {
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(5);
        Tensor[] parts = [randn([3, 2, 4], generator: generator), randn([3, 5, 4], generator: generator), randn([3, 1, 4], generator: generator)];
        string[] files = [.. parts.Select((p, i) => _temp.File($"part-{i}.safetensors"))];
        for (int i = 0; i < parts.Length; i++)
        {
            SafetensorsWriter.Write(files[i], [("x", parts[i])]);
        }

        string merged = _temp.File("merged.safetensors");
        SafetensorsWriter.WriteStreamed(merged, [new TensorLayout("x", SafetensorsDType.F32, [3, 8, 4])], (_, stream) =>
        {
            for (long layer = 0; layer < 3; layer++)
            {
                foreach (string file in files)
                {
                    using SafetensorsFile part = SafetensorsFile.Open(file);
                    part.CopySlice("x", layer, stream);
                }
            }
        });

        using SafetensorsFile result = SafetensorsFile.Open(merged);
        Assert.True(result.Read("x").eq(cat(parts, 1)).all().item<bool>(), "the streamed merge differs from torch.cat along the second axis");
    }

    [Fact]
    public void A_streamed_write_of_the_wrong_byte_count_fails_and_leaves_nothing()
    {
        string path = _temp.File("short.safetensors");
        Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.WriteStreamed(path, [new TensorLayout("x", SafetensorsDType.F32, [2, 2])], (_, stream) => stream.Write(new byte[12])));
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(path)!, "*short*"));
    }
}
