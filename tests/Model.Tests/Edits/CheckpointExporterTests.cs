using System.Text.Json;
using Geode.Model.Checkpoints;
using Geode.Model.Edits;
using Geode.Model.Export;
using Geode.Model.Native;
using Geode.Model.Tests.Checkpoints;
using Geode.Model.Weights;
using Geode.Tests;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Edits;

/// <summary>Exported checkpoints: same files and layout as the input, edited tensors exactly the edited weights.</summary>
public sealed class CheckpointExporterTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly ITestOutputHelper _output;

    public CheckpointExporterTests(ITestOutputHelper output)
    {
        _output = output;
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
    }

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Fixtures => new(Directory.GetDirectories(RepositoryPaths.HfFixtures).Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Exporting_the_empty_edit_reproduces_every_tensor_and_file_bit_for_bit(string fixture)
    {
        string input = RepositoryPaths.HfFixture(fixture);
        string output = Path.Combine(_temp.Path, "out");

        ExportSummary summary = CheckpointExporter.Export(input, Edit.None, output);

        Assert.Equal([CheckpointFolder.SingleFileName], summary.CheckpointFiles);
        Assert.Empty(summary.EditedTensors);
        AssertSameTensors(Path.Combine(input, CheckpointFolder.SingleFileName), Path.Combine(output, CheckpointFolder.SingleFileName), edited: []);
        string[] sideFiles = [.. Directory.GetFiles(input).Select(Path.GetFileName).Where(n => n != CheckpointFolder.SingleFileName).Order()!];
        Assert.Contains("config.json", sideFiles);
        Assert.Equal(sideFiles, summary.CopiedFiles.Order());
        Assert.Equal(sideFiles.Append(CheckpointFolder.SingleFileName).Order(), Directory.GetFiles(output).Select(Path.GetFileName).Order());
        foreach (string name in sideFiles)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(input, name)), File.ReadAllBytes(Path.Combine(output, name)));
        }

        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path, ".*"));
    }

    [Fact]
    public void A_sharded_checkpoint_exports_to_the_same_shards_and_index_and_computes_the_edited_model()
    {
        using var scope = NewDisposeScope();
        string input = WriteSharded(RepositoryPaths.HfFixture("gemma4-tiny-a"));
        string output = Path.Combine(_temp.Path, "nested", "out");
        var edit = new Edit(
        [
            new EditPart([0, 3, 5], [WriterKind.AttentionOutput, WriterKind.MlpOutput, WriterKind.PerLayerOutput], EditFixtures.RandomBasis(64, 2, 4), 1.0, EditVariant.NormPreserving, PostNormAware: true),
            new EditPart([1], [WriterKind.MlpOutput], EditFixtures.RandomBasis(64, 1, 5), 0.6),
        ]);

        ExportSummary summary = CheckpointExporter.Export(input, edit, output);

        string[] shards = ShardedCheckpoint.ShardNames;
        Assert.Equal([.. shards, CheckpointFolder.IndexFileName], summary.CheckpointFiles);
        Assert.Equal(["config.json", "tokenizer_config.json"], summary.CopiedFiles);
        string[] expectedEdited =
        [
            .. new[] { 0, 3, 5 }.SelectMany(l => new[] { $"model.layers.{l}.self_attn.o_proj.weight", $"model.layers.{l}.mlp.down_proj.weight", $"model.layers.{l}.per_layer_projection.weight" }),
            "model.layers.1.mlp.down_proj.weight",
        ];
        Assert.Equal(expectedEdited.Order(), summary.EditedTensors.Order());

        using JsonDocument inputIndex = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(input, CheckpointFolder.IndexFileName)));
        using JsonDocument outputIndex = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, CheckpointFolder.IndexFileName)));
        Assert.Equal(WeightMap(inputIndex), WeightMap(outputIndex));
        Assert.Equal(inputIndex.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64(), outputIndex.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());

        // Edited tensors are exactly what ApplyToWeights makes of the model; the rest are untouched bytes.
        using CausalLM reference = ModelLoader.Load(input);
        reference.ApplyToWeights(edit);
        foreach (string shard in shards)
        {
            AssertSameTensors(Path.Combine(input, shard), Path.Combine(output, shard), [.. expectedEdited]);
            using SafetensorsFile written = SafetensorsFile.Open(Path.Combine(output, shard));
            foreach (string name in expectedEdited.Where(written.Contains))
            {
                Assert.Equal(reference.Weights[name["model.".Length..]].bytes.ToArray(), written.ReadBytes(name));
            }
        }

        (Tensor ids, Tensor mask) = EditFixtures.Inputs("gemma4-tiny-a");
        using CausalLM original = EditFixtures.Load("gemma4-tiny-a");
        using CausalLM exported = ModelLoader.Load(output, EditFixtures.Float32);
        double error = EditFixtures.MaxAbs(EditFixtures.Logits(original, ids, mask, ActivationEdits.ForAllRows(edit)), EditFixtures.Logits(exported, ids, mask));
        _output.WriteLine($"exported vs activation edit: max abs {error:E2}");
        Assert.True(error <= 1e-5, $"{error:E3}");
    }

    [Fact]
    public void A_bf16_checkpoint_is_edited_in_its_own_dtype_and_stays_bf16()
    {
        using var scope = NewDisposeScope();
        string fixture = RepositoryPaths.HfFixture("llama-tiny");
        string input = Directory.CreateDirectory(Path.Combine(_temp.Path, "bf16")).FullName;
        File.Copy(Path.Combine(fixture, "config.json"), Path.Combine(input, "config.json"));
        using (SafetensorsFile source = SafetensorsFile.Open(Path.Combine(fixture, CheckpointFolder.SingleFileName)))
        {
            SafetensorsWriter.Write(Path.Combine(input, CheckpointFolder.SingleFileName), source.Tensors.Select(t => (t.Name, source.Read(t.Name, ScalarType.BFloat16))), source.Metadata);
        }

        Edit edit = EditFixtures.Single(64, WriterKind.MlpOutput, [0, 2], 2, EditVariant.NormPreserving, postNormAware: false);
        string output = Path.Combine(_temp.Path, "out");
        CheckpointExporter.Export(input, edit, output);

        using CausalLM reference = ModelLoader.Load(input);
        Assert.Equal(ScalarType.BFloat16, reference.DType);
        reference.ApplyToWeights(edit);
        using SafetensorsFile written = SafetensorsFile.Open(Path.Combine(output, CheckpointFolder.SingleFileName));
        Assert.All(written.Tensors, t => Assert.Equal(SafetensorsDType.BF16, t.DType));
        Assert.Equal(reference.Weights["layers.2.mlp.down_proj.weight"].bytes.ToArray(), written.ReadBytes("model.layers.2.mlp.down_proj.weight"));
        AssertSameTensors(Path.Combine(input, CheckpointFolder.SingleFileName), written.Path, ["model.layers.0.mlp.down_proj.weight", "model.layers.2.mlp.down_proj.weight"]);
    }

    [Fact]
    public void The_out_folder_must_be_new_or_empty_and_not_the_input()
    {
        string input = RepositoryPaths.HfFixture("llama-tiny");
        string occupied = _temp.File("occupied/keep.txt");
        File.WriteAllText(occupied, "mine");

        Assert.Contains("is the model folder itself", Assert.Throws<BadInputException>(() => CheckpointExporter.Export(input, Edit.None, input + "/")).Message, StringComparison.Ordinal);
        Assert.Contains("inside the model folder", Assert.Throws<BadInputException>(() => CheckpointExporter.Export(input, Edit.None, Path.Combine(input, "out"))).Message, StringComparison.Ordinal);
        BadInputException nonEmpty = Assert.Throws<BadInputException>(() => CheckpointExporter.Export(input, Edit.None, Path.GetDirectoryName(occupied)!));
        Assert.Contains("not empty", nonEmpty.Message, StringComparison.Ordinal);
        Assert.Equal("mine", File.ReadAllText(occupied));
        Assert.Throws<BadInputException>(() => CheckpointExporter.Export(input, Edit.None, occupied));

        // An existing empty folder is fine.
        string empty = Directory.CreateDirectory(Path.Combine(_temp.Path, "empty")).FullName;
        CheckpointExporter.Export(input, Edit.None, empty);
        Assert.True(File.Exists(Path.Combine(empty, CheckpointFolder.SingleFileName)));
    }

    [Fact]
    public void An_edit_that_does_not_fit_leaves_nothing_behind()
    {
        using var scope = NewDisposeScope();
        string output = Path.Combine(_temp.Path, "out");
        Edit wrong = EditFixtures.Single(64, WriterKind.PerLayerOutput, [0], 1, EditVariant.Projection, postNormAware: false);

        Assert.Throws<BadInputException>(() => CheckpointExporter.Export(RepositoryPaths.HfFixture("llama-tiny"), wrong, output));

        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path));
    }

    private static Dictionary<string, string> WeightMap(JsonDocument index) =>
        index.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

    /// <summary>Same names, order, dtypes, shapes and metadata; same bytes except for <paramref name="edited"/>, which must differ.</summary>
    private static void AssertSameTensors(string inputPath, string outputPath, string[] edited)
    {
        using SafetensorsFile input = SafetensorsFile.Open(inputPath);
        using SafetensorsFile output = SafetensorsFile.Open(outputPath);
        Assert.Equal(input.Metadata, output.Metadata);
        Assert.Equal(input.Tensors.Select(t => t.Name), output.Tensors.Select(t => t.Name));
        foreach (TensorInfo info in input.Tensors)
        {
            TensorInfo written = output.Get(info.Name);
            Assert.Equal(info.DType, written.DType);
            Assert.Equal(info.Shape, written.Shape);
            Assert.Equal(info.DataOffset, written.DataOffset);
            bool same = input.ReadBytes(info.Name).AsSpan().SequenceEqual(output.ReadBytes(info.Name));
            Assert.True(same != edited.Contains(info.Name), $"{info.Name}: {(same ? "unchanged, but the edit touches it" : "changed, but the edit does not touch it")}");
        }
    }

    /// <summary>The fixture split into two shards (alternate tensors) with an index, plus a tokenizer config.</summary>
    private string WriteSharded(string fixture)
    {
        string dir = Directory.CreateDirectory(Path.Combine(_temp.Path, "sharded")).FullName;
        File.Copy(Path.Combine(fixture, "config.json"), Path.Combine(dir, "config.json"));
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), "{\"chat_template\": \"{{ messages }}\"}\n");
        using SafetensorsFile single = SafetensorsFile.Open(Path.Combine(fixture, CheckpointFolder.SingleFileName));
        ShardedCheckpoint.Write(single, dir);
        return dir;
    }
}
