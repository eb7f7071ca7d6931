using System.Text.Json.Nodes;
using Geode.Analysis.Evaluation;
using Geode.Analysis.Forensics;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Campaigns.Artifacts;
using Geode.Campaigns.Execution;
using Geode.Model.Checkpoints;
using Geode.Model.Files;
using Geode.Model.Native;
using static TorchSharp.torch;

namespace Geode.Campaigns.Tests.Storage;

/// <summary>
/// A disk that fills while an artifact is written (issue 9): the write fails with ENOSPC, the
/// target keeps its previous complete content (or stays absent), and no temporary is left behind.
/// On a real tmpfs when the tests may mount one (CI runs them as root), else with ENOSPC injected.
/// </summary>
public sealed class DiskFullTests
{
    public DiskFullTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    /// <summary>Every artifact writer under test, by name.</summary>
    public static TheoryData<string> Writers => [.. WriterTable.Keys];

    /// <summary>Per writer: the file it writes in a folder, and a write of more than 16 KiB there.</summary>
    private static readonly Dictionary<string, (string File, Action<string> Write)> WriterTable = new(StringComparer.Ordinal)
    {
        ["AtomicFile.WriteAllText"] = ("artifact", folder => AtomicFile.WriteAllText(Path.Combine(folder, "artifact"), new string('x', 100_000))),
        ["AtomicFile.Copy"] = ("artifact", folder => AtomicFile.Copy(typeof(DiskFullTests).Assembly.Location, Path.Combine(folder, "artifact"))),
        ["CampaignResults.WriteAtomically"] = ("artifact", folder => CampaignResults.WriteAtomically(Path.Combine(folder, "artifact"), new JsonObject { ["rows"] = new JsonArray([.. Enumerable.Range(0, 5000).Select(i => (JsonNode?)JsonValue.Create(i))]) })),
        ["MarkdownSummary.Write"] = (MarkdownSummary.FileName, folder => new MarkdownSummary().Write(new JsonObject { ["campaign"] = new JsonObject { ["name"] = new string('n', 100_000) } }, folder)),
        ["PromptManifest.Write"] = (PromptManifest.FileName, folder => PromptManifest.Write(folder, Manifest())),
        ["DiffJson.Write"] = ("artifact", folder => DiffJson.Write([.. Enumerable.Range(0, 200).Select(i => new TensorDiff($"model.layers.{i}.mlp.down_proj.weight", "fork", TensorStatus.Unchanged, i, "mlp", [64, 64], "F32"))], Path.Combine(folder, "artifact"))),
        ["ResponseRecordStream.WriteEncoded"] = ("artifact", folder => ResponseRecordStream.WriteEncoded(Path.Combine(folder, "artifact"), [ResponseRecordStream.Encode([Response(new string('r', 100_000))], null)])),
        ["SafetensorsWriter.Write"] = ("artifact", folder =>
        {
            using Tensor big = ones(64, 1024);
            SafetensorsWriter.Write(Path.Combine(folder, "artifact"), [("t", big)]);
        }),
    };

    [Theory]
    [MemberData(nameof(Writers))]
    public void A_write_onto_a_full_disk_fails_with_no_space_and_keeps_the_previous_file(string writer)
    {
        using FullDisk disk = FullDisk.Create(64 * 1024);
        (string file, Action<string> write) = WriterTable[writer];
        string target = disk.File(file);
        System.IO.File.WriteAllText(target, "the previous, complete content");
        disk.Fill();

        IOException error = Assert.ThrowsAny<IOException>(() => write(disk.Path));

        Assert.True(error.HResult == FullDisk.NoSpace, $"{writer} on {(disk.Mounted ? "a tmpfs" : "an injected full disk")}: {error.GetType().Name} {error.HResult}: {error.Message}");
        Assert.Equal("the previous, complete content", System.IO.File.ReadAllText(target));
        Assert.Equal(new[] { file, "filler" }.Order(StringComparer.Ordinal), disk.Files());
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void A_write_that_fills_the_disk_half_way_leaves_no_file_and_no_temporary(string writer)
    {
        // Room for a few pages: the write starts, then runs out part way.
        using FullDisk disk = FullDisk.Create(64 * 1024);
        (string file, Action<string> write) = WriterTable[writer];
        using (var filler = new FileStream(disk.File("filler"), FileMode.Create))
        {
            filler.Write(new byte[disk.Capacity - (12 * 1024)]);
        }

        Assert.ThrowsAny<IOException>(() => write(disk.Path));

        Assert.False(System.IO.File.Exists(Path.Combine(disk.Path, file)));
        Assert.Equal(["filler"], disk.Files());
    }

    [Fact]
    public void A_merge_that_fills_the_disk_leaves_no_merged_file_no_index_entry_and_the_shards_to_merge_again()
    {
        using FullDisk disk = FullDisk.Create(96 * 1024);
        var store = new ActivationStore(Path.Combine(disk.Path, "store"));
        const string key = "k";
        using (Tensor activations = ones(3, 2, 2048))
        {
            // Two shards of 24 KiB each fit; their 48 KiB merged copy beside them does not.
            using Tensor first = activations.narrow(1, 0, 1).contiguous();
            using Tensor second = activations.narrow(1, 1, 1).contiguous();
            store.WriteShard(key, 0, first);
            store.WriteShard(key, 1, second);
        }

        Assert.ThrowsAny<IOException>(() => store.Merge(key, 2, new Dictionary<string, string>()));

        Assert.False(store.Has(key, out string? distrust));
        Assert.Null(distrust);
        Assert.Equal(["store/k/shards/shard-00000.safetensors", "store/k/shards/shard-00001.safetensors"], disk.Files());
    }

    private static ResponseRecord Response(string text) => new(
        new PromptRecord("a", "c", ExpectedBehavior.Comply, "p", []),
        text,
        1,
        [new JudgeVerdict(false, 0, "regex", "1")]);

    private static PromptSet Manifest() => PromptSet.Parse(
        new JsonObject { ["prompts"] = new JsonArray([.. Enumerable.Range(0, 2000).Select(i => (JsonNode?)new JsonObject { ["id"] = $"p{i}", ["category"] = "c", ["expected"] = "comply", ["prompt"] = $"prompt number {i} with some words in it" })]) }.ToJsonString(),
        PromptSetFormat.Json,
        "test");
}
