using System.Text;
using System.Text.Json.Nodes;
using Geode.Model.Checkpoints;
using Geode.Model.Native;
using Geode.Model.Tests.Checkpoints;
using Geode.Tests;
using Geode.Tests.Fuzz;
using Xunit.Abstractions;

namespace Geode.Model.Tests.Fuzz;

/// <summary>
/// Hostile <c>model.safetensors.index.json</c> files (issue 9) beside two valid shards, a
/// config.json and a file that is not safetensors: weight_map entries naming missing shards,
/// shards outside the folder (<c>../</c>, absolute paths, device files), the index itself, the
/// wrong shard, duplicate and hostile tensor names, and maps of up to 100,000 entries. Each case
/// opens the folder with <see cref="CheckpointFolder.Open"/> and must open it or be refused with
/// a <see cref="BadInputException"/> naming the index, within the fuzz bounds; an opened folder
/// must read every tensor from a file inside the folder.
/// </summary>
public sealed class CheckpointIndexFuzzTests : IDisposable
{
    private const int Seed = 6_502;
    private const int Cases = 1_500;
    private const string IndexName = CheckpointFolder.IndexFileName;

    private readonly TempFolder _temp = new();
    private readonly ITestOutputHelper _output;

    public CheckpointIndexFuzzTests(ITestOutputHelper output)
    {
        _output = output;
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Every_mutated_index_opens_inside_the_folder_or_is_refused_with_a_BadInputException_within_bounds()
    {
        string folder = _temp.File("model");
        using (SafetensorsFile single = SafetensorsFile.Open(Path.Combine(RepositoryPaths.HfFixture("llama-tiny"), "model.safetensors")))
        {
            ShardedCheckpoint.Write(single, folder);
        }

        File.Copy(Path.Combine(RepositoryPaths.HfFixture("llama-tiny"), "config.json"), Path.Combine(folder, "config.json"));
        File.WriteAllText(Path.Combine(folder, "notes.safetensors"), "not a checkpoint\n");

        // A valid shard outside the folder: the index must not be able to reach it.
        File.Copy(Path.Combine(folder, ShardedCheckpoint.ShardNames[0]), _temp.File("outside.safetensors"));
        string index = Path.Combine(folder, IndexName);
        string json = File.ReadAllText(index);
        string[] tensors = [.. JsonNode.Parse(json)!["weight_map"]!.AsObject().Select(p => p.Key)];
        string[] keys = ["weight_map", "metadata", "total_size", .. tensors, .. ShardedCheckpoint.ShardNames];
        string[] shardNames = HostileShardNames(folder);

        var runner = new FuzzRunner("checkpoint index", Seed, _output);
        runner.Baseline(Encoding.UTF8.GetBytes(json), input => Open(folder, input));
        runner.Run(
            Cases,
            random => random.Next(10) switch
            {
                < 4 => JsonMutator.Mutate(json, random, IndexName, keys),
                < 7 => Entry(json, random, shardNames),
                < 8 => Names(json, random),
                < 9 => Huge(json, random),
                _ => ByteMutator.Mutate(Encoding.UTF8.GetBytes(json), random, IndexName),
            },
            input => Open(folder, input),
            IndexName);
    }

    private static void Open(string folder, FuzzInput input)
    {
        File.WriteAllBytes(Path.Combine(folder, IndexName), input.Bytes);
        using CheckpointFolder checkpoint = CheckpointFolder.Open(folder);
        Assert.NotEmpty(checkpoint.Names);
        foreach (string name in checkpoint.Names)
        {
            // Whatever the index says, every tensor comes from a file directly inside the folder.
            Assert.Equal(folder, Path.GetDirectoryName(checkpoint.FileOf(name)));
            Assert.True(checkpoint.Info(name).ByteLength >= 0);
        }

        Assert.All(checkpoint.Files, file => Assert.Equal(folder, Path.GetDirectoryName(file.Path)));
    }

    /// <summary>Shard names that lead elsewhere, to nothing, or to something that is not a shard.</summary>
    private static string[] HostileShardNames(string folder)
    {
        string first = ShardedCheckpoint.ShardNames[0];
        string second = ShardedCheckpoint.ShardNames[1];
        string parent = Path.GetDirectoryName(folder)!;
        return
        [
            second, first, "model-00003-of-00002.safetensors", IndexName, "config.json", "notes.safetensors", "model.safetensors",
            "../outside.safetensors", Path.Combine(parent, "outside.safetensors"), Path.Combine(folder, first), "./" + first, first + "/",
            "sub/" + first, "sub/../" + first, "../model/" + first, "..", ".", "", " ", "/", "//", "~/" + first, "..\\outside.safetensors",
            "C:\\model\\" + first, "/dev/zero", "/dev/stdin", "/proc/self/environ", "/etc/passwd", "%2e%2e/outside.safetensors", first + "\0",
            "\0", first.ToUpperInvariant(), " " + first, first + " ", new string('m', 255) + ".safetensors", new string('m', 5_000),
            string.Concat(Enumerable.Repeat("../", 50)) + "etc/passwd",
        ];
    }

    /// <summary>One weight_map entry pointed at a hostile shard name.</summary>
    private static FuzzInput Entry(string json, System.Random random, string[] shardNames)
    {
        var root = (JsonObject)JsonNode.Parse(json)!;
        var map = root["weight_map"]!.AsObject();
        string[] names = [.. map.Select(p => p.Key)];
        int count = random.Next(4) == 0 ? names.Length : 1;
        string shard = shardNames[random.Next(shardNames.Length)];
        foreach (string name in names.OrderBy(_ => random.Next()).Take(count))
        {
            map[name] = shard;
        }

        return new(Encoding.UTF8.GetBytes(root.ToJsonString()), $"{IndexName}: {(count == 1 ? "one entry" : "every entry")} points at {JsonMutator.Show(JsonMutator.Quote(shard))}");
    }

    /// <summary>A tensor listed twice, or under a name no shard holds.</summary>
    private static FuzzInput Names(string json, System.Random random)
    {
        var root = (JsonObject)JsonNode.Parse(json)!;
        var map = root["weight_map"]!.AsObject();
        KeyValuePair<string, JsonNode?> entry = map.ElementAt(random.Next(map.Count));
        string shard = (string)entry.Value!;
        string rawKey = random.Next(2) == 0
            ? JsonMutator.Quote(entry.Key)
            : HostileJson.Pick(random, ["\"\"", "\" \"", "\"\\ud800\"", "\"a\\u0000b\"", JsonMutator.Quote(entry.Key + " "), JsonMutator.Quote(entry.Key.ToUpperInvariant()), JsonMutator.Quote("../" + entry.Key)]);
        string shardValue = random.Next(2) == 0 ? shard : ShardedCheckpoint.ShardNames.First(s => s != shard);
        map[JsonMutator.KeyMarker] = shardValue;
        return new(Encoding.UTF8.GetBytes(JsonMutator.Render(root, random.Next(2) == 0, string.Empty, rawKey)), $"{IndexName}: weight_map gains {JsonMutator.Show(rawKey)} in {shardValue} (copying '{entry.Key}')");
    }

    /// <summary>Maps of many entries: tensors no shard holds, or as many distinct missing shards.</summary>
    private static FuzzInput Huge(string json, System.Random random)
    {
        var root = (JsonObject)JsonNode.Parse(json)!;
        var map = root["weight_map"]!.AsObject();
        int count = random.Next(2) == 0 ? 1 + random.Next(1_000) : 10_000 + random.Next(90_000);
        bool distinct = random.Next(2) == 0;
        for (int i = 0; i < count; i++)
        {
            map[$"extra.{i}.weight"] = distinct ? $"model-{i:D5}-of-{count:D5}.safetensors" : ShardedCheckpoint.ShardNames[i % 2];
        }

        return new(Encoding.UTF8.GetBytes(root.ToJsonString()), $"{IndexName}: {count} extra entries, {(distinct ? "each in its own missing shard" : "in the existing shards")}");
    }
}
