using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Native;
using Geode.Tests;
using Geode.Tests.Fuzz;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Fuzz;

/// <summary>
/// Hostile edit files (issue 9), as users pass them with <c>--edit</c>: each case is loaded with
/// <see cref="EditFile.Load"/> and, when that succeeds, checked against the organism with
/// <see cref="Edit.Validate"/>, as every command does before it applies an edit. Every case must
/// pass or be refused with a <see cref="BadInputException"/> naming the file, within the fuzz
/// bounds of <see cref="FuzzRunner"/>.
/// </summary>
public sealed class EditFileFuzzTests : IDisposable
{
    private const int Seed = 1_618;
    private const int Cases = 1_500;
    private const string FileName = "fuzz-edit.safetensors";

    private const string Organism = """
        {"format":"geode-edit","version":1,"name":"organism refusal","hidden_size":128,"parts":[
        {"layers":[0,2,5],"writers":["o_proj","per_layer_projection"],"alpha":1.0,"variant":"projection","post_norm_aware":false},
        {"layers":[3],"writers":["down_proj"],"alpha":0.3,"variant":"norm_preserving","post_norm_aware":true}]}
        """;

    // Only the required fields: name, variant and post_norm_aware take their defaults.
    private const string Minimal = """{"format":"geode-edit","version":1,"hidden_size":128,"parts":[{"layers":[1],"writers":["o_proj"],"alpha":-0.5}]}""";

    private readonly TempFolder _temp = new();
    private readonly ITestOutputHelper _output;

    public EditFileFuzzTests(ITestOutputHelper output)
    {
        _output = output;
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Every_mutated_edit_file_loads_and_fits_or_is_refused_with_a_BadInputException_within_bounds()
    {
        ModelConfig organism = ConfigReader.Read(Path.Combine(RepositoryPaths.Root, "models", "organism"));
        Assert.Equal(128, organism.HiddenSize);
        EditSample[] samples =
        [
            EditSample.Create("organism edit", Organism, organism.HiddenSize, organism.NumLayers, [1, 3], 1),
            EditSample.Create("minimal edit", Minimal, organism.HiddenSize, organism.NumLayers, [4], 2),
        ];
        string path = _temp.File(FileName);
        var runner = new FuzzRunner("edit files", Seed, _output);
        foreach (EditSample sample in samples)
        {
            runner.Baseline(sample.File.Bytes, input => LoadAndValidate(path, input, organism));
        }

        runner.Run(
            Cases,
            random => EditFileMutator.Mutate(samples[random.Next(samples.Length)], random),
            input => LoadAndValidate(path, input, organism),
            FileName);
    }

    private static void LoadAndValidate(string path, FuzzInput input, ModelConfig model)
    {
        File.WriteAllBytes(path, input.Bytes);
        using var scope = NewDisposeScope();
        Edit edit = EditFile.Load(path);
        Assert.Equal(Path.GetFullPath(path), edit.Source);
        edit.Validate(model);
        foreach (EditPart part in edit.Parts)
        {
            Assert.Equal([model.HiddenSize, part.Basis.shape[1]], part.Basis.shape);
            Assert.InRange(part.Basis.shape[1], 1, model.HiddenSize);
            Assert.True(double.IsFinite(part.Alpha));
            Assert.All(part.Layers, layer => Assert.InRange(layer, 0, model.NumLayers - 1));
        }
    }
}
