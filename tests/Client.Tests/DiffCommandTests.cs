using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Geode.Model.Checkpoints;
using Geode.Model.Edits;
using Geode.Model.Export;
using Geode.Model.Native;
using Geode.Tests;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Geode.Client.Tests;

/// <summary><c>geode diff</c> end to end.</summary>
public sealed partial class DiffCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly ITestOutputHelper _log;

    public DiffCommandTests(ITestOutputHelper log)
    {
        _log = log;
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
    }

    public void Dispose() => _temp.Dispose();

    private static string Fixture => RepositoryPaths.HfFixture("gemma4-tiny-a");

    [Fact]
    public async Task A_planted_rank_2_edit_is_reported_in_exactly_its_six_tensors()
    {
        using IDisposable scope = NewDisposeScope();
        using var generator = new Generator(11);
        Tensor basis = linalg.qr(randn([64, 2], generator: generator)).Q.contiguous();
        string fork = Path.Combine(_temp.Path, "planted");
        CheckpointExporter.Export(Fixture, new Edit([new EditPart([0, 2, 5], [WriterKind.AttentionOutput, WriterKind.MlpOutput], basis, 1.0)], "planted"), fork);
        string directions = _temp.File("directions.safetensors");
        SafetensorsWriter.Write(directions, [("u1", basis[.., 0].contiguous())]);
        string output = Path.Combine(_temp.Path, "out");

        CliResult result = await CliRunner.RunAsync("diff", "--base", Fixture, "--fork", fork, "--directions", directions, "--out", output);

        Assert.True(result.ExitCode == 0, result.Error);
        JsonElement[] records = ReadRecords(output);
        Assert.Equal(98, records.Length);
        JsonElement[] changed = [.. records.Where(r => r.GetProperty("changed").GetBoolean())];
        Assert.Equal(
            ["model.layers.0.mlp.down_proj.weight", "model.layers.0.self_attn.o_proj.weight", "model.layers.2.mlp.down_proj.weight",
             "model.layers.2.self_attn.o_proj.weight", "model.layers.5.mlp.down_proj.weight", "model.layers.5.self_attn.o_proj.weight"],
            changed.Select(r => r.GetProperty("name").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(changed, r => Assert.Equal(2, r.GetProperty("rank95").GetInt32()));
        Assert.All(changed, r => Assert.True(r.GetProperty("top_cosines").GetProperty("u1").GetDouble() >= 0.99, r.GetProperty("name").GetString()));
        Assert.All(changed, r => Assert.Equal("planted", r.GetProperty("fork").GetString()));
        Assert.All(records.Where(r => !r.GetProperty("changed").GetBoolean()), r => Assert.Equal("unchanged", r.GetProperty("status").GetString()));
        Assert.Matches(@"planted\s+6\s+0\s+0\s+0\s+2\s+0,2,5 \(3 layers\)", result.Output);
        Assert.Contains("mlp.down_proj 3, self_attn.o_proj 3", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redundant_kv_tensors_of_a_kv_shared_layer_are_unused_not_changed()
    {
        using IDisposable scope = NewDisposeScope();
        string fork = CopyFixture("with-kv", (name, tensor) => tensor, [
            ("model.layers.4.self_attn.k_proj.weight", randn(32, 64)),
            ("model.layers.4.self_attn.v_proj.weight", randn(32, 64)),
            ("model.layers.4.self_attn.k_norm.weight", randn(16))]);
        string output = Path.Combine(_temp.Path, "out");

        CliResult result = await CliRunner.RunAsync("diff", "--base", Fixture, "--fork", fork, "--out", output);

        Assert.True(result.ExitCode == 0, result.Error);
        JsonElement[] records = ReadRecords(output);
        Assert.DoesNotContain(records, r => r.GetProperty("changed").GetBoolean());
        JsonElement[] unused = [.. records.Where(r => r.GetProperty("unused").GetBoolean())];
        Assert.Equal(
            ["model.layers.4.self_attn.k_norm.weight", "model.layers.4.self_attn.k_proj.weight", "model.layers.4.self_attn.v_proj.weight"],
            unused.Select(r => r.GetProperty("name").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(unused, r => Assert.Equal("unused", r.GetProperty("status").GetString()));
        Assert.Matches(@"with-kv\s+0\s+3\s+0\s+0", result.Output);
    }

    [Fact]
    public async Task A_tensor_only_one_side_has_is_reported_not_fatal()
    {
        using IDisposable scope = NewDisposeScope();
        string fork = CopyFixture("fewer", (name, tensor) => name == "model.norm.weight" ? null : tensor, [("model.extra.weight", randn(4, 4))]);
        string output = Path.Combine(_temp.Path, "out");

        CliResult result = await CliRunner.RunAsync("diff", "--base", Fixture, "--fork", fork, "--out", output);

        Assert.True(result.ExitCode == 0, result.Error);
        JsonElement[] records = ReadRecords(output);
        Assert.Equal("only_in_base", records.Single(r => r.GetProperty("name").GetString() == "model.norm.weight").GetProperty("status").GetString());
        Assert.Equal("only_in_fork", records.Single(r => r.GetProperty("name").GetString() == "model.extra.weight").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_mismatched_shape_is_exit_code_2_naming_the_tensor()
    {
        using IDisposable scope = NewDisposeScope();
        string fork = CopyFixture("reshaped", (name, tensor) => name == "model.layers.1.mlp.up_proj.weight" ? tensor[..95].contiguous() : tensor, []);

        CliResult result = await CliRunner.RunAsync("diff", "--base", Fixture, "--fork", fork, "--out", Path.Combine(_temp.Path, "out"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'model.layers.1.mlp.up_proj.weight'", result.Error, StringComparison.Ordinal);
        Assert.Contains("[95, 64]", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_folders_are_exit_code_2()
    {
        string absent = Path.Combine(_temp.Path, "absent");

        CliResult noFork = await CliRunner.RunAsync("diff", "--base", Fixture, "--fork", absent, "--out", Path.Combine(_temp.Path, "out"));
        CliResult noBase = await CliRunner.RunAsync("diff", "--base", absent, "--fork", Fixture, "--out", Path.Combine(_temp.Path, "out"));

        Assert.Equal(2, noFork.ExitCode);
        Assert.StartsWith($"geode: --fork {absent}: no such folder", noFork.Error, StringComparison.Ordinal);
        Assert.Equal(2, noBase.ExitCode);
        _log.WriteLine(noBase.Error);
        Assert.StartsWith($"geode: --base {absent}: no such folder", noBase.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_diff_of_two_1_GB_checkpoints_stays_under_500_MB()
    {
        // 32 matrices of [4096, 2048] float32: 1.07 GB a side; the fork changes four of them.
        const int Layers = 32;
        string baseFolder = Directory.CreateDirectory(Path.Combine(_temp.Path, "big-base")).FullName;
        string fork = Directory.CreateDirectory(Path.Combine(_temp.Path, "big-fork")).FullName;
        string config = $$"""
            {"model_type":"llama","architectures":["LlamaForCausalLM"],"hidden_size":4096,"intermediate_size":2048,
             "num_attention_heads":32,"num_key_value_heads":8,"num_hidden_layers":{{Layers}},"vocab_size":32000,
             "rms_norm_eps":1e-5,"hidden_act":"silu","tie_word_embeddings":false,"max_position_embeddings":2048,"rope_theta":10000.0}
            """;
        File.WriteAllText(Path.Combine(baseFolder, "config.json"), config);
        File.WriteAllText(Path.Combine(fork, "config.json"), config);
        TensorLayout[] layout = [.. Enumerable.Range(0, Layers).Select(i => new TensorLayout($"model.layers.{i}.mlp.down_proj.weight", SafetensorsDType.F32, [4096, 2048]))];
        SafetensorsWriter.Write(Path.Combine(baseFolder, "model.safetensors"), layout, name => Random(name, 0));
        SafetensorsWriter.Write(Path.Combine(fork, "model.safetensors"), layout, name => Random(name, LayerOf(name) % 8 == 3 ? 1 : 0));
        long size = new FileInfo(Path.Combine(baseFolder, "model.safetensors")).Length;

        var clock = System.Diagnostics.Stopwatch.StartNew();
        CliResult result = await CliRunner.RunProcessAsync("diff", "--base", baseFolder, "--fork", fork, "--out", Path.Combine(_temp.Path, "out"));
        _log.WriteLine($"{size} bytes a side, diff {clock.Elapsed.TotalSeconds:F1} s\n{result.Output}");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Matches(@"big-fork\s+4\s+0\s+0\s+0\s+1\s+3,11,19,27 \(4 layers\)", result.Output);
        double peak = double.Parse(PeakLine().Match(result.Output).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(size > 1_000_000_000, $"checkpoint {size} bytes");
        Assert.True(peak < 500, $"peak {peak} MiB for a {size / 1e9:F2} GB pair\n{result.Output}");
    }

    private static Tensor Random(string name, int plant)
    {
        using var generator = new Generator((ulong)LayerOf(name) + 1);
        Tensor values = randn([4096, 2048], generator: generator);
        if (plant > 0)
        {
            // A rank-1 update, as an abliteration makes.
            values.add_(randn([4096, 1], generator: generator).matmul(randn([1, 2048], generator: generator)).mul_(0.01));
        }

        return values;
    }

    private static int LayerOf(string name) => int.Parse(name.Split('.')[2], CultureInfo.InvariantCulture);

    /// <summary>A copy of the fixture whose tensors pass through <paramref name="map"/> (null drops one), plus <paramref name="extra"/>.</summary>
    private string CopyFixture(string name, Func<string, Tensor, Tensor?> map, (string Name, Tensor Tensor)[] extra)
    {
        string folder = Directory.CreateDirectory(Path.Combine(_temp.Path, name)).FullName;
        foreach (string file in Directory.GetFiles(Fixture).Where(f => Path.GetFileName(f) != "model.safetensors"))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        using SafetensorsFile source = SafetensorsFile.Open(Path.Combine(Fixture, "model.safetensors"));
        var tensors = new List<(string, Tensor)>();
        foreach (TensorInfo info in source.Tensors)
        {
            if (map(info.Name, source.Read(info.Name)) is Tensor kept)
            {
                tensors.Add((info.Name, kept));
            }
        }

        SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), [.. tensors, .. extra], source.Metadata.Count == 0 ? null : source.Metadata);
        return folder;
    }

    private static JsonElement[] ReadRecords(string output)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "diff.json")));
        return [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    [GeneratedRegex(@"peak resident memory: (\d+) MiB")]
    private static partial Regex PeakLine();
}
