using System.Security.Cryptography;
using System.Text;
using Geode.Model.Checkpoints;
using static TorchSharp.torch;

namespace Geode.Campaigns.Execution;

/// <summary>
/// The content-addressed activation store (DESIGN §1.3): captured residuals [L+1, N, H] float32
/// keyed by (model hash, dtype, template, position rule, rendering, prompt-set hash), so any
/// recipe recombines stored activations without another forward pass, and a second campaign on the
/// same inputs reuses them. Shards land as separate files (a retried shard overwrites its own file),
/// then merge into one <c>activations.safetensors</c>.
/// </summary>
/// <param name="root">The store's folder (created on first write).</param>
public sealed class ActivationStore(string root)
{
    /// <summary>The tensor name inside each file.</summary>
    public const string TensorName = "activations";

    /// <summary>The merged file's name in its key's folder: what results.json's <c>capture.file</c> points at.</summary>
    public const string MergedFileName = "activations.safetensors";

    /// <summary>The store's folder.</summary>
    public string Root { get; } = root;

    /// <summary>The key: the first 16 bytes of SHA-256 over the identifying fields, in hex.</summary>
    public static string Key(string modelHash, string dtype, string template, string position, string rendering, string promptSetHash)
    {
        string text = string.Join('\n', "geode-activations-v1", modelHash, dtype, template, position, rendering, promptSetHash);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }

    /// <summary>SHA-256 of a model folder's config and every safetensors file, in name order (hex).</summary>
    public static string ModelHash(string folder)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string file in Directory.EnumerateFiles(folder)
            .Where(f => Path.GetFileName(f) == "config.json" || f.EndsWith(".safetensors", StringComparison.Ordinal))
            .Where(f => !Path.GetFileName(f).StartsWith("planted_", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(file) + "\n"));
            using FileStream stream = File.OpenRead(file);
            byte[] buffer = new byte[1 << 20];
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The merged file for <paramref name="key"/>.</summary>
    public string MergedPath(string key) => Path.Combine(Root, key, MergedFileName);

    /// <summary>Whether <paramref name="key"/>'s activations are complete in the store.</summary>
    public bool Has(string key) => File.Exists(MergedPath(key));

    /// <summary>Writes one shard's activations (overwriting an earlier attempt's file).</summary>
    public void WriteShard(string key, int shard, Tensor activations)
    {
        string folder = Path.Combine(Root, key, "shards");
        Directory.CreateDirectory(folder);
        string path = ShardPath(key, shard);
        string temporary = path + ".tmp";
        SafetensorsWriter.Write(temporary, [(TensorName, activations)]);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Concatenates shards 0..<paramref name="shards"/>−1 along the prompt axis into the merged file and removes them.</summary>
    public void Merge(string key, int shards, IReadOnlyDictionary<string, string> metadata)
    {
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>(shards);
        for (int i = 0; i < shards; i++)
        {
            using SafetensorsFile file = SafetensorsFile.Open(ShardPath(key, i));
            parts.Add(file.Read(TensorName));
        }

        string path = MergedPath(key);
        SafetensorsWriter.Write(path + ".tmp", [(TensorName, cat(parts, 1))], metadata);
        File.Move(path + ".tmp", path, overwrite: true);
        Directory.Delete(Path.Combine(Root, key, "shards"), recursive: true);
    }

    /// <summary>Loads <paramref name="key"/>'s activations [L+1, N, H] float32.</summary>
    public Tensor Load(string key)
    {
        using SafetensorsFile file = SafetensorsFile.Open(MergedPath(key));
        return file.Read(TensorName, ScalarType.Float32);
    }

    private string ShardPath(string key, int shard) => Path.Combine(Root, key, "shards", $"shard-{shard:D5}.safetensors");
}
