using System.Diagnostics;
using Geode.Model.Checkpoints;
using Geode.Model.Native;
using Geode.Tests;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Checkpoints;

/// <summary>Hugging Face checkpoint folders: single file, sharded with an index, and the ways they go wrong.</summary>
public sealed class CheckpointFolderTests : IDisposable
{
    private const string Index = CheckpointFolder.IndexFileName;

    private readonly TempFolder _temp = new();

    public CheckpointFolderTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    public void Dispose() => _temp.Dispose();

    private static string Fixture => RepositoryPaths.HfFixture("gemma4-tiny-a");

    [Fact]
    public void A_single_file_folder_exposes_the_files_tensors()
    {
        using CheckpointFolder folder = CheckpointFolder.Open(Fixture);
        using SafetensorsFile file = SafetensorsFile.Open(Path.Combine(Fixture, "model.safetensors"));

        Assert.Null(folder.IndexPath);
        Assert.Equal(Fixture, folder.Folder);
        Assert.Equal([file.Path], folder.Files.Select(f => f.Path));
        Assert.Equal(file.Tensors.Select(t => t.Name), folder.Names);
        Assert.Equal(99 - 1, folder.Names.Count);
        Assert.True(folder.Contains("model.embed_tokens.weight"));
        Assert.Equal(file.Get("model.norm.weight").Shape, folder.Info("model.norm.weight").Shape);
        Assert.Equal(file.Path, folder.FileOf("model.norm.weight"));
        Assert.Equal(file.ReadBytes("model.norm.weight"), folder.Read("model.norm.weight").bytes.ToArray());
    }

    [Fact]
    public void A_sharded_folder_reads_the_same_tensors_as_the_single_file()
    {
        using SafetensorsFile single = SafetensorsFile.Open(Path.Combine(Fixture, "model.safetensors"));
        string dir = WriteSharded(single);

        using CheckpointFolder folder = CheckpointFolder.Open(dir);

        Assert.Equal(Path.Combine(dir, Index), folder.IndexPath);
        Assert.Equal(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"], folder.Files.Select(f => Path.GetFileName(f.Path)));
        Assert.Equal(single.Tensors.Select(t => t.Name).Order(), folder.Names.Order());
        int index = 0;
        foreach (TensorInfo info in single.Tensors)
        {
            string expectedShard = index++ % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
            Assert.Equal(Path.Combine(dir, expectedShard), folder.FileOf(info.Name));
            Assert.Equal(info.Shape, folder.Info(info.Name).Shape);
            Assert.Equal(info.DType, folder.Info(info.Name).DType);
            using Tensor tensor = folder.Read(info.Name);
            Assert.Equal(single.ReadBytes(info.Name), tensor.bytes.ToArray());
        }

        using Tensor converted = folder.Read("model.norm.weight", ScalarType.Float64);
        Assert.Equal(ScalarType.Float64, converted.dtype);
    }

    [Fact]
    public void Tensors_a_shard_holds_beyond_the_index_are_not_part_of_the_checkpoint()
    {
        string dir = Path.Combine(_temp.Path, "extra");
        Directory.CreateDirectory(dir);
        using (NewDisposeScope())
        {
            SafetensorsWriter.Write(Path.Combine(dir, "s.safetensors"), [("listed", ones(2)), ("stray", zeros(2))]);
        }

        File.WriteAllText(Path.Combine(dir, Index), """{"metadata":{"total_size":16},"weight_map":{"listed":"s.safetensors"}}""");

        using CheckpointFolder folder = CheckpointFolder.Open(dir);

        Assert.Equal(["listed"], folder.Names);
        Assert.False(folder.Contains("stray"));
        Assert.Throws<BadInputException>(() => folder.Read("stray"));
    }

    [Fact]
    public void A_missing_folder_is_bad_input()
    {
        string dir = Path.Combine(_temp.Path, "nowhere");

        var error = Assert.Throws<BadInputException>(() => CheckpointFolder.Open(dir));

        Assert.Equal($"{dir}: no such folder; expected a Hugging Face checkpoint folder.", error.Message);
    }

    [Theory]
    [InlineData("pytorch_model.bin")]
    [InlineData("model.pt")]
    [InlineData("consolidated.00.pth")]
    public async Task A_pickle_checkpoint_is_refused_with_the_conversion_command_and_never_read(string pickle)
    {
        string dir = Path.Combine(_temp.Path, "pickled");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), "{}");

        // A FIFO blocks whoever opens it for reading, so a loader that touched the pickle would hang here.
        string fifo = Path.Combine(dir, pickle);
        using (Process mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        Task<Exception?> open = Task.Run<Exception?>(() => Record.Exception(() => CheckpointFolder.Open(dir)));

        Task finished = await Task.WhenAny(open, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(finished == open, "Opening the folder blocked: it read the pickle file.");
        BadInputException error = Assert.IsType<BadInputException>(await open);
        Assert.StartsWith(dir + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains(pickle, error.Message, StringComparison.Ordinal);
        Assert.Contains("pickle", error.Message, StringComparison.Ordinal);
        Assert.Contains($"from_pretrained('{dir}').save_pretrained('OUT', safe_serialization=True)", error.Message, StringComparison.Ordinal);
        Assert.Equal(pickle, error.Field);
    }

    [Fact]
    public void A_folder_without_any_checkpoint_says_what_it_expected()
    {
        string dir = Path.Combine(_temp.Path, "empty");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "adapter_model.safetensors"), string.Empty);

        var error = Assert.Throws<BadInputException>(() => CheckpointFolder.Open(dir));

        Assert.Equal(
            $"{dir}: no checkpoint found: expected model.safetensors or model.safetensors.index.json " +
            "(found adapter_model.safetensors, which a Hugging Face checkpoint does not use).",
            error.Message);
    }

    [Theory]
    [InlineData("{\"weight_map\": {\"a\": \"s.safetensors\",}", "not valid JSON")]
    [InlineData("[]", "expected an object with a weight_map")]
    [InlineData("{\"metadata\": {}}", "found no weight_map")]
    [InlineData("{\"weight_map\": []}", "weight_map is a JSON array")]
    [InlineData("{\"weight_map\": {}}", "weight_map is empty")]
    [InlineData("{\"weight_map\": {\"a\\ud800\": \"s.safetensors\"}}", "$.weight_map: a key holds a \\u escape of an unpaired UTF-16 surrogate")]
    [InlineData("{\"weight_map\": {\"a\": \"\\udc00.safetensors\"}}", "$.weight_map.a: the string holds a \\u escape of an unpaired UTF-16 surrogate")]
    public void A_malformed_index_is_refused(string json, string expected)
    {
        string dir = Path.Combine(_temp.Path, "badindex");
        Directory.CreateDirectory(dir);
        string index = Path.Combine(dir, Index);
        File.WriteAllText(index, json);

        var error = Assert.Throws<BadInputException>(() => CheckpointFolder.Open(dir));

        Assert.StartsWith(index + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal("weight_map", error.Field);
    }

    [Theory]
    [InlineData("../outside.safetensors")]
    [InlineData("sub/inner.safetensors")]
    [InlineData("")]
    [InlineData("/etc/passwd")]
    [InlineData("/dev/zero")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("sub/../s.safetensors")]
    public void A_shard_name_that_is_not_a_file_beside_the_index_is_refused(string shard)
    {
        string dir = Path.Combine(_temp.Path, "escape");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, Index), $$$"""{"weight_map":{"model.norm.weight":"{{{shard}}}"}}""");

        var error = Assert.Throws<BadInputException>(() => CheckpointFolder.Open(dir));

        Assert.Contains(Path.Combine(dir, Index), error.Message, StringComparison.Ordinal);
        Assert.Contains("weight_map[\"model.norm.weight\"]", error.Message, StringComparison.Ordinal);
        Assert.Equal("model.norm.weight", error.Field);
    }

    [Fact]
    public void An_absolute_path_to_a_valid_shard_outside_the_folder_is_refused_without_reading_it()
    {
        string dir = Path.Combine(_temp.Path, "absolute");
        Directory.CreateDirectory(dir);
        string outside = Path.Combine(_temp.Path, "outside.safetensors");
        using (NewDisposeScope())
        {
            SafetensorsWriter.Write(outside, [("model.norm.weight", ones(2))]);
        }

        File.WriteAllText(Path.Combine(dir, Index), $$$"""{"weight_map":{"model.norm.weight":"{{{outside}}}"}}""");

        var error = Assert.Throws<BadInputException>(() => CheckpointFolder.Open(dir));

        Assert.StartsWith(Path.Combine(dir, Index) + ": weight_map[\"model.norm.weight\"] is \"" + outside + "\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected the file name of a shard beside the index", error.Message, StringComparison.Ordinal);
        Assert.Equal("model.norm.weight", error.Field);
    }

    [Fact]
    public void An_index_naming_a_missing_shard_is_refused()
    {
        using SafetensorsFile single = SafetensorsFile.Open(Path.Combine(Fixture, "model.safetensors"));
        string dir = WriteSharded(single);
        File.Delete(Path.Combine(dir, "model-00002-of-00002.safetensors"));
        string secondTensor = single.Tensors[1].Name;

        var error = Assert.Throws<BadInputException>(() => CheckpointFolder.Open(dir));

        Assert.StartsWith(Path.Combine(dir, Index) + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"tensor '{secondTensor}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("model-00002-of-00002.safetensors does not exist", error.Message, StringComparison.Ordinal);
        Assert.Equal(secondTensor, error.Field);
    }

    [Fact]
    public void An_index_listing_a_tensor_its_shard_lacks_is_refused()
    {
        string dir = Path.Combine(_temp.Path, "lacking");
        Directory.CreateDirectory(dir);
        using (NewDisposeScope())
        {
            SafetensorsWriter.Write(Path.Combine(dir, "s.safetensors"), [("present", ones(2))]);
        }

        File.WriteAllText(Path.Combine(dir, Index), """{"weight_map":{"present":"s.safetensors","lm_head.weight":"s.safetensors"}}""");

        var error = Assert.Throws<BadInputException>(() => CheckpointFolder.Open(dir));

        Assert.StartsWith(Path.Combine(dir, Index) + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains("tensor 'lm_head.weight' in s.safetensors", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{Path.Combine(dir, "s.safetensors")} holds no tensor of that name", error.Message, StringComparison.Ordinal);
        Assert.Equal("lm_head.weight", error.Field);
    }

    [Fact]
    public void A_malformed_shard_is_refused_naming_the_shard()
    {
        string dir = Path.Combine(_temp.Path, "badshard");
        Directory.CreateDirectory(dir);
        string shard = RawSafetensors.Write(Path.Combine(dir, "s.safetensors"), """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", new byte[4]);
        File.WriteAllText(Path.Combine(dir, Index), """{"weight_map":{"w":"s.safetensors"}}""");

        var error = Assert.Throws<BadInputException>(() => CheckpointFolder.Open(dir));

        Assert.StartsWith(shard + ": tensor 'w'", error.Message, StringComparison.Ordinal);

        // The index is how the user got to the shard: the message names it too.
        Assert.EndsWith($" The weight_map in {Path.Combine(dir, Index)} names it as the shard of tensor 'w'.", error.Message, StringComparison.Ordinal);
        Assert.Equal(shard, error.Source);
    }

    [Fact]
    public void Asking_a_folder_for_a_missing_tensor_names_the_checkpoint_and_tensor()
    {
        using CheckpointFolder folder = CheckpointFolder.Open(Fixture);

        var error = Assert.Throws<BadInputException>(() => folder.Info("lm_head.weight"));

        Assert.Contains(Path.Combine(Fixture, "model.safetensors"), error.Message, StringComparison.Ordinal);
        Assert.Contains("no tensor named 'lm_head.weight'", error.Message, StringComparison.Ordinal);
        Assert.Throws<BadInputException>(() => folder.FileOf("lm_head.weight"));
    }

    private string WriteSharded(SafetensorsFile single)
    {
        string dir = Path.Combine(_temp.Path, "sharded");
        ShardedCheckpoint.Write(single, dir);
        return dir;
    }
}
