using Geode.Model.Checkpoints;
using Geode.Model.Edits;
using Geode.Model.Native;
using Geode.Tests;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Edits;

/// <summary>Edit files: the round trip, and every way a file can be malformed or not fit a model.</summary>
public sealed class EditFileTests : IDisposable
{
    private const string Good = """{"format":"geode-edit","version":1,"name":"t","hidden_size":4,"parts":[{"layers":[0,1],"writers":["o_proj"],"alpha":1.0,"variant":"projection","post_norm_aware":false}]}""";

    private readonly TempFolder _temp = new();

    public EditFileTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Save_then_load_gives_the_same_bases_bit_for_bit_and_the_same_fields()
    {
        using var scope = NewDisposeScope();
        var edit = new Edit(
        [
            new EditPart([0, 2, 5], [WriterKind.AttentionOutput, WriterKind.PerLayerOutput], EditFixtures.RandomBasis(64, 1, 1), 1.0),
            new EditPart([3], [WriterKind.MlpOutput], EditFixtures.RandomBasis(64, 3, 2), 0.1 + 0.2, EditVariant.NormPreserving, PostNormAware: true),
        ],
        "selective \"v2\" ✓");
        string path = _temp.File("edit.safetensors");

        EditFile.Save(edit, path);
        Edit loaded = EditFile.Load(path);

        Assert.Equal(edit.Name, loaded.Name);
        Assert.Equal(Path.GetFullPath(path), loaded.Source);
        Assert.Equal(2, loaded.Parts.Count);
        for (int i = 0; i < 2; i++)
        {
            EditPart want = edit.Parts[i], got = loaded.Parts[i];
            Assert.Equal(want.Layers, got.Layers);
            Assert.Equal(want.Writers, got.Writers);
            Assert.Equal(want.Alpha, got.Alpha);
            Assert.Equal(want.Variant, got.Variant);
            Assert.Equal(want.PostNormAware, got.PostNormAware);
            Assert.Equal(ScalarType.Float32, got.Basis.dtype);
            Assert.Equal(want.Basis.shape, got.Basis.shape);
            Assert.Equal(want.Basis.bytes.ToArray(), got.Basis.bytes.ToArray());
        }

        using SafetensorsFile file = SafetensorsFile.Open(path);
        Assert.Equal(["part.0.basis", "part.1.basis"], file.Tensors.Select(t => t.Name));
        Assert.Contains("\"format\":\"geode-edit\"", file.Metadata[EditFile.MetadataKey], StringComparison.Ordinal);
        Assert.Contains("\"hidden_size\":64", file.Metadata[EditFile.MetadataKey], StringComparison.Ordinal);
        Assert.Contains("\"writers\":[\"o_proj\",\"per_layer_projection\"]", file.Metadata[EditFile.MetadataKey], StringComparison.Ordinal);
        Assert.Contains("\"variant\":\"norm_preserving\"", file.Metadata[EditFile.MetadataKey], StringComparison.Ordinal);
    }

    [Fact]
    public void The_empty_edit_round_trips()
    {
        string path = _temp.File("none.safetensors");
        EditFile.Save(Edit.None, path);
        Edit loaded = EditFile.Load(path);
        Assert.Empty(loaded.Parts);
        Assert.Equal("none", loaded.Name);
    }

    public static TheoryData<string, string?, string> MalformedJson => new()
    {
        // JSON (null: no geode.edit entry at all), then the field the error must name.
        { "NO-METADATA", null, "geode.edit" },
        { "bad-json", "{\"format\":", "geode.edit" },
        { "not-an-object", "[1,2]", "geode.edit" },
        { "wrong-format", Good.Replace("geode-edit", "other", StringComparison.Ordinal), "format" },
        { "wrong-version", Good.Replace("\"version\":1", "\"version\":2", StringComparison.Ordinal), "version" },
        { "no-parts", Good.Replace("\"parts\"", "\"partz\"", StringComparison.Ordinal), "parts" },
        { "bad-hidden", Good.Replace("\"hidden_size\":4", "\"hidden_size\":\"4\"", StringComparison.Ordinal), "hidden_size" },
        { "negative-layer", Good.Replace("[0,1]", "[0,-1]", StringComparison.Ordinal), "parts[0].layers" },
        { "fractional-layer", Good.Replace("[0,1]", "[0,1.5]", StringComparison.Ordinal), "parts[0].layers" },
        { "no-layers", Good.Replace("[0,1]", "[]", StringComparison.Ordinal), "parts[0].layers" },
        { "unknown-writer", Good.Replace("\"o_proj\"", "\"q_proj\"", StringComparison.Ordinal), "parts[0].writers" },
        { "missing-writers", Good.Replace("\"writers\"", "\"writer\"", StringComparison.Ordinal), "parts[0].writers" },
        { "unknown-variant", Good.Replace("\"projection\"", "\"orthogonal\"", StringComparison.Ordinal), "parts[0].variant" },
        { "string-alpha", Good.Replace("1.0", "\"1\"", StringComparison.Ordinal), "parts[0].alpha" },
        { "bad-post-norm", Good.Replace("\"post_norm_aware\":false", "\"post_norm_aware\":\"no\"", StringComparison.Ordinal), "parts[0].post_norm_aware" },
        { "unpaired-surrogate", Good.Replace("\"o_proj\"", "\"\\ud800\"", StringComparison.Ordinal), "geode.edit" },
    };

    [Theory]
    [MemberData(nameof(MalformedJson))]
    public void Malformed_metadata_is_bad_input_naming_the_file_and_field(string label, string? json, string field)
    {
        string path = _temp.File(label + ".safetensors");
        using (NewDisposeScope())
        {
            SafetensorsWriter.Write(
                path,
                [("part.0.basis", EditFixtures.RandomBasis(4, 1, 1))],
                json is null ? new Dictionary<string, string> { ["format"] = "pt" } : new Dictionary<string, string> { [EditFile.MetadataKey] = json });
        }

        AssertBad(path, field);
    }

    public static TheoryData<string, string> MalformedBases => new()
    {
        { "missing", "part.0.basis" },
        { "one-d", "part.0.basis" },
        { "three-d", "part.0.basis" },
        { "wrong-rows", "part.0.basis" },
        { "float64", "part.0.basis" },
        { "nan", "part.0.basis" },
        { "zero-column", "part.0.basis" },
        { "dependent-columns", "part.0.basis" },
        { "extra-tensor", "part.1.basis" },
    };

    [Theory]
    [MemberData(nameof(MalformedBases))]
    public void Malformed_bases_are_bad_input_naming_the_file_and_tensor(string label, string field)
    {
        string path = _temp.File(label + ".safetensors");
        using (NewDisposeScope())
        {
            Tensor good = EditFixtures.RandomBasis(4, 2, 1);
            Tensor basis = label switch
            {
                "one-d" => good.select(1, 0).contiguous(),
                "three-d" => good.unsqueeze(0),
                "wrong-rows" => EditFixtures.RandomBasis(5, 2, 1),
                "float64" => good.to(ScalarType.Float64),
                "nan" => good.index_put_(tensor(float.NaN), 1, 1),
                "zero-column" => cat([good.narrow(1, 0, 1), zeros(4, 1)], 1),
                "dependent-columns" => cat([good.narrow(1, 0, 1), good.narrow(1, 0, 1) * 2], 1),
                _ => good,
            };
            List<(string, Tensor)> tensors = label switch
            {
                "missing" => [("part.1.basis", basis)],
                "extra-tensor" => [("part.0.basis", basis), ("part.1.basis", basis)],
                _ => [("part.0.basis", basis)],
            };
            SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { [EditFile.MetadataKey] = Good });
        }

        AssertBad(path, field);
    }

    [Fact]
    public void A_file_that_is_not_safetensors_is_bad_input()
    {
        string path = _temp.File("text.safetensors");
        File.WriteAllText(path, "layers: [1, 2]\n");
        BadInputException error = Assert.Throws<BadInputException>(() => EditFile.Load(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_edit_that_does_not_fit_the_model_is_refused_naming_the_edit_file()
    {
        using var scope = NewDisposeScope();
        using CausalLM llama = EditFixtures.Load("llama-tiny");
        long hidden = llama.Config.HiddenSize;

        BadInputException layer = Refused(new Edit([new EditPart([0, 4], [WriterKind.MlpOutput], EditFixtures.RandomBasis(hidden, 1, 1), 1.0)]));
        Assert.Equal("parts[0].layers", layer.Field);
        Assert.Contains("layer 4", layer.Message, StringComparison.Ordinal);

        BadInputException writer = Refused(new Edit([new EditPart([0], [WriterKind.PerLayerOutput], EditFixtures.RandomBasis(hidden, 1, 1), 1.0)]));
        Assert.Equal("parts[0].writers", writer.Field);
        Assert.Contains("per_layer_projection", writer.Message, StringComparison.Ordinal);

        BadInputException rows = Refused(new Edit([new EditPart([0], [WriterKind.MlpOutput], EditFixtures.RandomBasis(hidden + 8, 2, 1), 1.0)]));
        Assert.Equal("parts[0].basis", rows.Field);
        Assert.Contains($"hidden_size={hidden}", rows.Message, StringComparison.Ordinal);

        BadInputException twice = Refused(new Edit([new EditPart([1, 1], [WriterKind.MlpOutput], EditFixtures.RandomBasis(hidden, 1, 1), 1.0)]));
        Assert.Equal("parts[0].layers", twice.Field);

        BadInputException Refused(Edit edit)
        {
            string path = _temp.File($"{Guid.NewGuid():N}.safetensors");
            EditFile.Save(edit, path);
            Edit loaded = EditFile.Load(path);
            BadInputException error = Assert.Throws<BadInputException>(() => loaded.Validate(llama.Config));
            Assert.Equal(Path.GetFullPath(path), error.Source);
            Assert.StartsWith(Path.GetFullPath(path) + ": ", error.Message, StringComparison.Ordinal);

            // The model checks it too, before touching a weight or running a pass.
            Assert.Throws<BadInputException>(() => llama.ApplyToWeights(loaded));
            Assert.Throws<BadInputException>(() => EditFixtures.Logits(llama, ones(1, 3, dtype: ScalarType.Int64), ones(1, 3, dtype: ScalarType.Int64), ActivationEdits.ForAllRows(loaded)));
            return error;
        }
    }

    private static void AssertBad(string path, string field)
    {
        BadInputException error = Assert.Throws<BadInputException>(() => EditFile.Load(path));
        Assert.Equal(Path.GetFullPath(path), error.Source);
        Assert.Equal(field, error.Field);
        Assert.StartsWith(Path.GetFullPath(path) + ": ", error.Message, StringComparison.Ordinal);
    }
}
