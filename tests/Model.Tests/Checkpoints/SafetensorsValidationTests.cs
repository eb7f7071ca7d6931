using System.Diagnostics;
using Geode.Model.Checkpoints;
using Geode.Tests;

namespace Geode.Model.Tests.Checkpoints;

/// <summary>
/// Malformed safetensors files are refused when opened, with a <see cref="BadInputException"/> that
/// names the file and the tensor or field, what was found and what was expected.
/// </summary>
public sealed class SafetensorsValidationTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(7)]
    public void A_file_shorter_than_the_length_field_is_refused(int length)
    {
        string path = _temp.File("short.safetensors");
        File.WriteAllBytes(path, new byte[length]);

        BadInputException error = Refused(path, "header length");

        Assert.Contains($"{length} bytes long", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_length_beyond_the_file_is_refused()
    {
        string path = RawSafetensors.Write(_temp.File("long.safetensors"), "{}", claimedLength: 4096);

        BadInputException error = Refused(path, "header length");

        Assert.Contains("4096", error.Message, StringComparison.Ordinal);
        Assert.Contains("only 2 bytes follow", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_claiming_2_pow_62_bytes_fails_fast_without_allocating()
    {
        string path = RawSafetensors.Write(_temp.File("huge.safetensors"), "{}", claimedLength: 1UL << 62);
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();

        BadInputException error = Refused(path, "header length");

        clock.Stop();
        Assert.InRange(clock.ElapsedMilliseconds, 0, 500);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore, 0, 1 << 20);
        Assert.Contains((1UL << 62).ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_over_the_format_limit_is_refused_even_when_the_file_is_that_long()
    {
        string path = _temp.File("big.safetensors");
        using (var stream = new FileStream(path, FileMode.Create))
        {
            stream.Write(BitConverter.GetBytes(200_000_000UL));
            stream.SetLength(200_000_008);
        }

        BadInputException error = Refused(path, "header length");

        Assert.Contains("at most 100000000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_that_is_not_utf8_is_refused_with_the_byte_position()
    {
        byte[] header = [.. "{\"a"u8, 0xFF, .. "\":{}}"u8];
        string path = RawSafetensors.WriteBytes(_temp.File("latin1.safetensors"), header);

        BadInputException error = Refused(path, "header");

        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
        Assert.Contains("byte 3 (0xFF)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"\\ud800\",\"shape\":[],\"data_offsets\":[0,0]}}", "$.a.dtype", "the string")]
    [InlineData("{\"__metadata__\":{\"k\":\"x\\udc00\"}}", "$.__metadata__.k", "the string")]
    [InlineData("{\"__metadata__\":{\"\\ud83d\":\"x\"}}", "$.__metadata__", "a key")]
    [InlineData("{\"\\udc00\":{}}", "$", "a key")]
    public void A_header_string_escaping_an_unpaired_surrogate_is_refused_with_its_path(string header, string where, string what)
    {
        // The JSON parser accepts these escapes; only reading the string fails, and it used to fail
        // with an InvalidOperationException from wherever the reader first touched it.
        string path = RawSafetensors.Write(_temp.File("surrogate.safetensors"), header);

        BadInputException error = Refused(path, where);

        Assert.Contains($"{where}: {what} holds a \\u escape of an unpaired UTF-16 surrogate", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"a\": {\"dtype\": \"F32\",}", "BytePositionInLine")]
    [InlineData("not json at all", "BytePositionInLine")]
    [InlineData("{\"a\": 1", "BytePositionInLine")]
    public void Malformed_json_is_refused_with_the_parser_position(string header, string expected)
    {
        string path = RawSafetensors.Write(_temp.File("bad.safetensors"), header);

        BadInputException error = Refused(path, "header");

        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(error.InnerException);
    }

    [Theory]
    [InlineData("[1, 2]", "array")]
    [InlineData("\"text\"", "string")]
    [InlineData("42", "number")]
    public void A_header_that_is_not_an_object_is_refused(string header, string kind)
    {
        string path = RawSafetensors.Write(_temp.File("notobject.safetensors"), header);

        BadInputException error = Refused(path, "header");

        Assert.Contains($"the header is a JSON {kind}; expected an object", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"shape":[1],"data_offsets":[0,4]}""", "no dtype")]
    [InlineData("""{"dtype":"F32","data_offsets":[0,4]}""", "no shape")]
    [InlineData("""{"dtype":"F32","shape":[1]}""", "no data_offsets")]
    public void An_entry_missing_a_field_is_refused(string entry, string expected)
    {
        string path = Entry(entry, 4);

        BadInputException error = Refused(path, "w");

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""7""", "the entry is a JSON number")]
    [InlineData("""{"dtype":4,"shape":[1],"data_offsets":[0,4]}""", "dtype is a JSON number")]
    [InlineData("""{"dtype":"F32","shape":"1","data_offsets":[0,4]}""", "shape is a JSON string")]
    [InlineData("""{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}""", "shape[0] is 1.5")]
    [InlineData("""{"dtype":"F32","shape":[null],"data_offsets":[0,4]}""", "shape[0] is null")]
    [InlineData("""{"dtype":"F32","shape":[1],"data_offsets":{"begin":0}}""", "data_offsets is a JSON object")]
    [InlineData("""{"dtype":"F32","shape":[1],"data_offsets":[0]}""", "data_offsets is an array of 1 values")]
    [InlineData("""{"dtype":"F32","shape":[1],"data_offsets":["0",4]}""", "data_offsets begin is \"0\"")]
    [InlineData("""{"dtype":"F32","shape":[1],"data_offsets":[0,-4]}""", "data_offsets end is -4")]
    [InlineData("""{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551615]}""", "data_offsets end is 18446744073709551615")]
    public void An_entry_with_wrong_json_types_is_refused(string entry, string expected)
    {
        string path = Entry(entry, 4);

        BadInputException error = Refused(path, "w");

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("F8_E4M3")]
    [InlineData("U32")]
    [InlineData("f32")]
    public void An_unsupported_dtype_is_refused_listing_the_supported_ones(string dtype)
    {
        string path = Entry($$"""{"dtype":"{{dtype}}","shape":[1],"data_offsets":[0,1]}""", 1);

        BadInputException error = Refused(path, "w");

        Assert.Contains($"dtype \"{dtype}\" is not supported", error.Message, StringComparison.Ordinal);
        Assert.Contains("F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_dimension_is_refused()
    {
        string path = Entry("""{"dtype":"F32","shape":[2,-2],"data_offsets":[0,16]}""", 16);

        BadInputException error = Refused(path, "w");

        Assert.Contains("shape[1] is -2; dimensions cannot be negative", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Offsets_that_end_before_they_begin_are_refused()
    {
        string path = Entry("""{"dtype":"F32","shape":[1],"data_offsets":[8,4]}""", 8);

        BadInputException error = Refused(path, "w");

        Assert.Contains("data_offsets [8, 4] end before they begin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Offsets_outside_the_data_region_are_refused()
    {
        string path = Entry("""{"dtype":"F32","shape":[4],"data_offsets":[0,16]}""", 12);

        BadInputException error = Refused(path, "w");

        Assert.Contains("data_offsets [0, 16] reach past the data region, which holds 12 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_file_is_refused_naming_the_tensor_that_no_longer_fits()
    {
        string path = RawSafetensors.Write(_temp.File("cut.safetensors"),
            """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""",
            new byte[13]);

        BadInputException error = Refused(path, "b");

        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}""", "cover 12 bytes, but shape [2, 2] of F32 needs 16 bytes")]
    [InlineData("""{"dtype":"BF16","shape":[3],"data_offsets":[0,12]}""", "cover 12 bytes, but shape [3] of BF16 needs 6 bytes")]
    [InlineData("""{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,16]}""", "needs more bytes than a file can hold")]
    public void A_byte_length_that_does_not_match_the_shape_is_refused(string entry, string expected)
    {
        string path = Entry(entry, 16);

        BadInputException error = Refused(path, "w");

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlapping_tensors_are_refused_naming_both()
    {
        string path = RawSafetensors.Write(_temp.File("overlap.safetensors"),
            """{"first":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"empty":{"dtype":"F32","shape":[0],"data_offsets":[8,8]},"second":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}""",
            new byte[20]);

        BadInputException error = Refused(path, "second");

        Assert.Contains("tensor 'first' (data_offsets [0, 16]) and tensor 'second' (data_offsets [12, 20]) overlap", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_tensors_sharing_an_offset_are_not_an_overlap()
    {
        string path = RawSafetensors.Write(_temp.File("empties.safetensors"),
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"e1":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"e2":{"dtype":"I8","shape":[3,0],"data_offsets":[4,4]},"b":{"dtype":"I8","shape":[2],"data_offsets":[4,6]}}""",
            new byte[6]);

        using SafetensorsFile file = SafetensorsFile.Open(path);

        Assert.Equal(["a", "e1", "e2", "b"], file.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void A_duplicate_tensor_name_is_refused()
    {
        string path = RawSafetensors.Write(_temp.File("dup.safetensors"),
            """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""",
            new byte[8]);

        BadInputException error = Refused(path, "w");

        Assert.Contains("the key 'w' appears more than once", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"format":1}""", "__metadata__[\"format\"] is a JSON number; expected a string")]
    [InlineData("""{"nested":{"a":"b"}}""", "__metadata__[\"nested\"] is a JSON object")]
    [InlineData("""["pt"]""", "__metadata__ is a JSON array; expected an object of string values")]
    [InlineData("\"pt\"", "__metadata__ is a JSON string")]
    public void Metadata_that_is_not_a_string_map_is_refused(string metadata, string expected)
    {
        string path = RawSafetensors.Write(_temp.File("meta.safetensors"),
            $$$"""{"__metadata__":{{{metadata}}},"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", new byte[1]);

        BadInputException error = Refused(path, "__metadata__");

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Asking_for_a_missing_tensor_names_the_file_and_the_tensor()
    {
        string path = Entry("""{"dtype":"F32","shape":[1],"data_offsets":[0,4]}""", 4);
        using SafetensorsFile file = SafetensorsFile.Open(path);

        var error = Assert.Throws<BadInputException>(() => file.Get("model.norm.weight"));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("no tensor named 'model.norm.weight'", error.Message, StringComparison.Ordinal);
        Assert.Contains("such as 'w'", error.Message, StringComparison.Ordinal);
        Assert.Equal("model.norm.weight", error.Field);
        Assert.Throws<BadInputException>(() => file.ReadBytes("nope"));
    }

    [Fact]
    public void A_missing_file_is_bad_input()
    {
        string path = Path.Combine(_temp.Path, "absent.safetensors");

        var error = Assert.Throws<BadInputException>(() => SafetensorsFile.Open(path));

        Assert.Equal($"{path}: no such file.", error.Message);
    }

    [Fact]
    public void Unknown_entry_fields_and_padding_are_accepted()
    {
        string path = Entry("""{"dtype":"I16","shape":[2],"data_offsets":[0,4],"extra":true}     """, 4);

        using SafetensorsFile file = SafetensorsFile.Open(path);

        Assert.Equal(SafetensorsDType.I16, file.Get("w").DType);
        Assert.Empty(file.Metadata);
    }

    private string Entry(string entry, int dataBytes) =>
        RawSafetensors.Write(_temp.File($"entry-{Guid.NewGuid():N}.safetensors"), $$"""{"w":{{entry}}}""", new byte[dataBytes]);

    /// <summary>Opening fails with bad input naming the file and the field; the message is one line.</summary>
    private static BadInputException Refused(string path, string field)
    {
        var error = Assert.Throws<BadInputException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
        Assert.Equal(path, error.Source);
        Assert.Equal(field, error.Field);
        Assert.DoesNotContain('\n', error.Message);
        return error;
    }
}
