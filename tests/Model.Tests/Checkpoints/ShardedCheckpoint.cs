using System.Text.Json;
using Geode.Model.Checkpoints;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Checkpoints;

/// <summary>Writes a single-file checkpoint's tensors as two shards plus an index, as save_pretrained lays them out.</summary>
internal static class ShardedCheckpoint
{
    public static readonly string[] ShardNames = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"];

    /// <summary>Splits <paramref name="single"/>'s tensors alternately into two shards in <paramref name="dir"/>.</summary>
    public static void Write(SafetensorsFile single, string dir)
    {
        Directory.CreateDirectory(dir);
        var weightMap = new Dictionary<string, string>();
        using (NewDisposeScope())
        {
            for (int shard = 0; shard < 2; shard++)
            {
                TensorInfo[] mine = [.. single.Tensors.Where((_, i) => i % 2 == shard)];
                SafetensorsWriter.Write(Path.Combine(dir, ShardNames[shard]), mine.Select(t => (t.Name, single.Read(t.Name))), single.Metadata);
                foreach (TensorInfo info in mine)
                {
                    weightMap[info.Name] = ShardNames[shard];
                }
            }
        }

        File.WriteAllText(
            Path.Combine(dir, CheckpointFolder.IndexFileName),
            JsonSerializer.Serialize(new { metadata = new { total_size = single.Tensors.Sum(t => t.ByteLength) }, weight_map = weightMap }));
    }
}
