using Geode.Model;
using Geode.Model.Checkpoints;
using Geode.Model.Edits;
using Geode.Model.Inference;
using Geode.Model.Native;
using Geode.Model.Weights;
using Geode.Tests;
using static TorchSharp.torch;

namespace Geode.Client.Tests;

/// <summary><c>geode export</c> end to end, in-process.</summary>
public sealed class ExportCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public ExportCommandTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    public void Dispose() => _temp.Dispose();

    private static string Fixture => RepositoryPaths.HfFixture("gemma4-tiny-a");

    [Fact]
    public async Task Export_writes_a_checkpoint_whose_logits_equal_the_activation_edit()
    {
        using var scope = NewDisposeScope();
        Edit edit = SomeEdit();
        string editPath = _temp.File("edit.safetensors");
        EditFile.Save(edit, editPath);
        string output = Path.Combine(_temp.Path, "edited");

        CliResult result = await CliRunner.RunAsync("export", "--model", Fixture, "--edit", editPath, "--out", output);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"wrote {output}", result.Output, StringComparison.Ordinal);
        Assert.Contains("checkpoint  model.safetensors", result.Output, StringComparison.Ordinal);
        Assert.Contains("copied      config.json", result.Output, StringComparison.Ordinal);
        Assert.Contains("edit 'cli': 9 of 98 tensors edited", result.Output, StringComparison.Ordinal);
        Assert.Contains("edited      model.layers.4.per_layer_projection.weight", result.Output, StringComparison.Ordinal);

        using SafetensorsFile reference = SafetensorsFile.Open(Path.Combine(Fixture, "reference.safetensors"));
        Tensor ids = reference.Read("input_ids", ScalarType.Int64);
        Tensor mask = reference.Read("attention_mask", ScalarType.Int64);
        var float32 = new LoadOptions(ScalarType.Float32, CPU);
        using CausalLM original = ModelLoader.Load(Fixture, float32);
        using CausalLM exported = ModelLoader.Load(output, float32);
        using ForwardResult expected = original.Forward(new ForwardRequest(ids, mask) { Edits = ActivationEdits.ForAllRows(EditFile.Load(editPath)) });
        using ForwardResult unedited = original.Forward(new ForwardRequest(ids, mask));
        using ForwardResult actual = exported.Forward(new ForwardRequest(ids, mask));

        double error = (expected.Logits! - actual.Logits!).abs().max().item<float>();
        Assert.True(error <= 1e-5, $"max abs {error:E3}");
        Assert.True((unedited.Logits! - actual.Logits!).abs().max().item<float>() > 1e-3, "the export did not change the model");
    }

    [Fact]
    public async Task A_missing_edit_file_is_exit_code_2()
    {
        CliResult result = await CliRunner.RunAsync("export", "--model", Fixture, "--edit", Path.Combine(_temp.Path, "absent.safetensors"), "--out", Path.Combine(_temp.Path, "out"));

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("geode: --edit ", result.Error, StringComparison.Ordinal);
        Assert.Contains("no such file", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "out")));
    }

    [Fact]
    public async Task An_existing_non_empty_out_folder_is_exit_code_2_and_left_alone()
    {
        using var scope = NewDisposeScope();
        string editPath = _temp.File("edit.safetensors");
        EditFile.Save(SomeEdit(), editPath);
        string occupied = _temp.File("out/notes.txt");
        File.WriteAllText(occupied, "keep");

        CliResult result = await CliRunner.RunAsync("export", "--model", Fixture, "--edit", editPath, "--out", Path.GetDirectoryName(occupied)!);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not empty", result.Error, StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.GetFiles(Path.GetDirectoryName(occupied)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_file_that_is_not_an_edit_is_exit_code_2()
    {
        CliResult result = await CliRunner.RunAsync("export", "--model", Fixture, "--edit", Path.Combine(Fixture, "model.safetensors"), "--out", Path.Combine(_temp.Path, "out"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not a geode edit", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_flags_are_exit_code_2()
    {
        CliResult result = await CliRunner.RunAsync("export", "--model", Fixture);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--edit", result.Error, StringComparison.Ordinal);
    }

    /// <summary>Every writer gemma4-tiny-a has, both variants, post-norm-aware and not.</summary>
    private static Edit SomeEdit()
    {
        using var generator = new Generator(17);
        return new Edit(
        [
            new EditPart([0, 2, 4], [WriterKind.AttentionOutput, WriterKind.PerLayerOutput], randn([64, 2], generator: generator), 1.0, EditVariant.NormPreserving, PostNormAware: true),
            new EditPart([1, 3, 5], [WriterKind.MlpOutput], randn([64, 1], generator: generator), 0.8),
        ],
        "cli");
    }
}
