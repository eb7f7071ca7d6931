using System.Text.Json.Nodes;
using Geode.Analysis.Prompts;
using Geode.Campaigns.Execution;
using Geode.Campaigns.Reporting;
using Geode.Model;
using Geode.Model.Checkpoints;
using Geode.Model.Native;
using Geode.Tests;
using static TorchSharp.torch;

namespace Geode.Campaigns.Tests.Reporting;

/// <summary>The 2-D maps: PCA on the stored activations of the peak stream, labelled through the prompt manifest.</summary>
public sealed class ActivationMapFiguresTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public ActivationMapFiguresTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Two_clusters_on_one_axis_give_a_first_component_holding_almost_all_the_variance()
    {
        // Stream 1 of 2: 10 "refuse" prompts at +5 on axis 3 and 10 "comply" at −5, plus small noise.
        const int n = 20, hidden = 8;
        using var scope = NewDisposeScope();
        Tensor stream = randn([n, hidden], generator: new TorchSharp.torch.Generator(1)) * 0.01;
        stream[TensorIndex.Slice(0, 10), 3] += 5;
        stream[TensorIndex.Slice(10, 20), 3] -= 5;
        Tensor activations = stack([zeros([n, hidden]), stream]);
        string store = _folder.File("store/key/activations.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(store)!);
        SafetensorsWriter.Write(store, [(ActivationStore.TensorName, activations)]);
        string outDir = _folder.File("out");
        PromptManifest.Write(outDir, Prompts([.. Enumerable.Range(0, n).Select(i => ($"p{i}", i < 10 ? "refuse_me" : "comply_me", $"prompt {i}"))]));

        var results = new JsonObject
        {
            ["capture"] = new JsonObject { ["file"] = Path.GetRelativePath(outDir, store) },
            ["geometry"] = new JsonObject { ["peak_layer"] = 1 },
        };
        ReportFigure[] maps = [.. ActivationMapFigures.Build(new ReportContext(results, outDir))];
        Assert.Equal(["map-pca", "map-umap"], maps.Select(m => m.Id));

        JsonArray traces = maps[0].Spec!["data"]!.AsArray();
        Assert.Equal(["refuse_me", "comply_me"], traces.Select(t => (string)t!["name"]!));
        double[] refuse = [.. traces[0]!["x"]!.AsArray().Select(x => (double)x!)];
        double[] comply = [.. traces[1]!["x"]!.AsArray().Select(x => (double)x!)];
        // PC1 is axis 3 (up to sign): each cluster sits at ±5 from the centre.
        Assert.All(refuse, x => Assert.Equal(5, Math.Abs(x), 1));
        Assert.True(Math.Sign(refuse[0]) == -Math.Sign(comply[0]));
        Assert.Contains("PC1 100.0%", maps[0].Caption, StringComparison.Ordinal);

        // UMAP maps every prompt; two clusters this far apart separate perfectly in both spaces.
        Assert.Equal(n, maps[1].Spec!["data"]!.AsArray().Sum(t => t!["x"]!.AsArray().Count));
        Assert.Contains("misclassifies 0.0% of the prompts' categories in the map and 0.0% in the activations", maps[1].Caption, StringComparison.Ordinal);
    }

    [Fact]
    public void Fewer_prompts_than_a_map_needs_give_a_line_saying_so_not_an_error()
    {
        using var scope = NewDisposeScope();
        string store = _folder.File("store/key/activations.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(store)!);
        SafetensorsWriter.Write(store, [(ActivationStore.TensorName, randn([2, 4, 8], generator: new TorchSharp.torch.Generator(2)))]);
        string outDir = _folder.File("out");
        PromptManifest.Write(outDir, Prompts([.. Enumerable.Range(0, 4).Select(i => ($"p{i}", i < 2 ? "a" : "b", $"prompt {i}"))]));
        var results = new JsonObject { ["capture"] = new JsonObject { ["file"] = Path.GetRelativePath(outDir, store) }, ["geometry"] = new JsonObject { ["peak_layer"] = 1 } };

        ReportFigure map = Assert.Single(ActivationMapFigures.Build(new ReportContext(results, outDir)));
        Assert.Null(map.Spec);
        Assert.Contains("4 prompts; a map needs at least 6", map.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_manifest_the_map_says_why_it_is_missing()
    {
        var results = new JsonObject { ["capture"] = new JsonObject { ["file"] = "../nowhere/activations.safetensors" }, ["geometry"] = new JsonObject { ["peak_layer"] = 1 } };
        ReportFigure map = Assert.Single(ActivationMapFigures.Build(new ReportContext(results, _folder.Path)));
        Assert.Null(map.Spec);
        Assert.Contains("not on this machine", map.Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../secret.safetensors")]
    [InlineData("/etc/passwd")]
    [InlineData("store/key/activations.safetensors.bak")]
    [InlineData("store/key/")]
    [InlineData("store\0/activations.safetensors")]
    public void A_capture_file_that_is_not_an_activation_store_file_is_not_read(string file)
    {
        // A valid activation file under another name: were it opened, the map would be drawn.
        using var scope = NewDisposeScope();
        string secret = _folder.File("secret.safetensors");
        SafetensorsWriter.Write(secret, [(ActivationStore.TensorName, randn([2, 8, 4], generator: new TorchSharp.torch.Generator(3)))]);
        string outDir = _folder.File("out");
        PromptManifest.Write(outDir, Prompts([.. Enumerable.Range(0, 8).Select(i => ($"p{i}", i < 4 ? "a" : "b", $"prompt {i}"))]));
        var results = new JsonObject { ["capture"] = new JsonObject { ["file"] = file }, ["geometry"] = new JsonObject { ["peak_layer"] = 1 } };

        ReportFigure map = Assert.Single(ActivationMapFigures.Build(new ReportContext(results, outDir)));

        Assert.Null(map.Spec);
        Assert.Contains("does not name an activation store file (activations.safetensors), so it was not read", map.Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    public void A_peak_layer_outside_the_stored_streams_gives_a_line_saying_so_not_an_error(int peak)
    {
        using var scope = NewDisposeScope();
        string store = _folder.File("store/key/activations.safetensors");
        SafetensorsWriter.Write(store, [(ActivationStore.TensorName, randn([2, 8, 4], generator: new TorchSharp.torch.Generator(4)))]);
        string outDir = _folder.File("out");
        PromptManifest.Write(outDir, Prompts([.. Enumerable.Range(0, 8).Select(i => ($"p{i}", i < 4 ? "a" : "b", $"prompt {i}"))]));
        var results = new JsonObject { ["capture"] = new JsonObject { ["file"] = Path.GetRelativePath(outDir, store) }, ["geometry"] = new JsonObject { ["peak_layer"] = peak } };

        ReportFigure map = Assert.Single(ActivationMapFigures.Build(new ReportContext(results, outDir)));

        Assert.Null(map.Spec);
        Assert.Contains($"geometry.peak_layer is {peak}, but the activations in {store} have shape [2, 8, 4]", map.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_prompt_manifest_round_trips_and_a_bad_line_is_named()
    {
        PromptSet set = Prompts([("a", "x", "first \"one\""), ("b", "y", "second")]);
        PromptManifest.Write(_folder.Path, set);
        Assert.Equal([("a", "x", "first \"one\""), ("b", "y", "second")], PromptManifest.Read(_folder.Path)!);

        File.AppendAllText(_folder.File(PromptManifest.FileName), "{\"id\": 3}\n");
        BadInputException error = Assert.Throws<BadInputException>(() => PromptManifest.Read(_folder.Path));
        Assert.Contains("prompts.jsonl: line 3", error.Message, StringComparison.Ordinal);
        Assert.Null(PromptManifest.Read(_folder.File("elsewhere")));
    }

    [Fact]
    public void A_manifest_line_with_an_unpaired_surrogate_is_named_and_a_repeated_key_takes_its_last_value()
    {
        File.WriteAllText(_folder.File(PromptManifest.FileName), "{\"id\":\"a\",\"id\":\"b\",\"category\":\"x\"}\n{\"id\":\"c\",\"category\":\"\\ud800\"}\n");
        BadInputException error = Assert.Throws<BadInputException>(() => PromptManifest.Read(_folder.Path));
        Assert.Equal($"{_folder.File(PromptManifest.FileName)}: line 2 cannot be read as text at $.category: the string holds a \\u escape of an unpaired UTF-16 surrogate, which no text can contain.", error.Message);
        Assert.Equal("line 2", error.Field);

        File.WriteAllText(_folder.File(PromptManifest.FileName), "{\"id\":\"a\",\"id\":\"b\",\"category\":\"x\"}\n");
        Assert.Equal([("b", "x", "")], PromptManifest.Read(_folder.Path)!);
    }

    private static PromptSet Prompts(IEnumerable<(string Id, string Category, string Prompt)> prompts) => PromptSet.Parse(
        new JsonObject { ["prompts"] = new JsonArray([.. prompts.Select(p => (JsonNode?)new JsonObject { ["id"] = p.Id, ["category"] = p.Category, ["expected"] = "comply", ["prompt"] = p.Prompt })]) }.ToJsonString(),
        PromptSetFormat.Json,
        "test");
}
