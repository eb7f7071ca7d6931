using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Geode.Model.Checkpoints;
using Geode.Model.Files;
using static TorchSharp.torch;

namespace Geode.Campaigns.Execution;

/// <summary>
/// The content-addressed activation store (DESIGN §1.3): captured residuals [L+1, N, H] float32
/// keyed by (model hash, dtype, template, position rule, rendering, prompt-set hash), so any
/// recipe recombines stored activations without another forward pass, and a second campaign on the
/// same inputs reuses them. Shards land as separate files (a retried shard overwrites its own file),
/// then merge into one <c>activations.safetensors</c>, whose size and SHA-256 go into the key's
/// index entry (<c>index.json</c>) once it is complete.
/// </summary>
/// <remarks>
/// Every file is written through a temporary and a rename, and the index entry is written last, so
/// the store trusts a merged file only when its entry vouches for exactly its bytes. Anything else
/// under a key — a truncated file a crash or a full disk left behind in an older version, a file
/// changed by hand — is treated as absent and computed again.
/// </remarks>
/// <param name="root">The store's folder (created on first write).</param>
public sealed class ActivationStore(string root)
{
    /// <summary>The tensor name inside each file.</summary>
    public const string TensorName = "activations";

    /// <summary>The index entry beside each merged file: its size and SHA-256, written once the file is complete.</summary>
    public const string IndexFileName = "index.json";

    /// <summary>The merged file's name in its key's folder: what results.json's <c>capture.file</c> points at.</summary>
    public const string MergedFileName = "activations.safetensors";

    /// <summary>
    /// The merged file's metadata entry listing, comma-separated, the indices of the prompts that
    /// failed on their own and have no row; absent when every prompt has one.
    /// </summary>
    public const string MissingPromptsKey = "missing_prompts";

    private static readonly ConcurrentDictionary<string, FileFingerprint> Fingerprints = new(StringComparer.Ordinal);

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

    /// <summary>Whether <paramref name="key"/>'s activations are complete in the store (see <see cref="Has(string, out string?)"/>).</summary>
    public bool Has(string key) => Has(key, out _);

    /// <summary>
    /// Whether <paramref name="key"/>'s merged file is present and matches its index entry (size and
    /// SHA-256). A file without an entry, or one that differs from it — truncated by a crash or a
    /// full disk, written by an older Geode that kept no index, changed since — is not trusted: the
    /// capture runs again and replaces it.
    /// </summary>
    /// <param name="key">The store key.</param>
    /// <param name="distrust">Why a merged file that is present is not trusted (for a warning); null when it is trusted or absent.</param>
    public bool Has(string key, out string? distrust)
    {
        (bool trusted, string? problem) = Verify(MergedPath(key));
        distrust = problem;
        return trusted;
    }

    /// <summary>Writes one shard's activations (overwriting an earlier attempt's file; <see cref="SafetensorsWriter"/> writes through a temporary and a rename).</summary>
    public void WriteShard(string key, int shard, Tensor activations) =>
        SafetensorsWriter.Write(ShardPath(key, shard), [(TensorName, activations)]);

    /// <summary>
    /// Concatenates shards 0..<paramref name="shards"/>−1 along the prompt axis into the merged file,
    /// records its size and SHA-256 in the key's index entry, and removes the shards.
    /// </summary>
    public void Merge(string key, int shards, IReadOnlyDictionary<string, string> metadata) =>
        Merge(key, [.. Enumerable.Range(0, shards)], [], metadata);

    /// <summary>
    /// Concatenates the shards <paramref name="shards"/> (in order) along the prompt axis into the
    /// merged file — a shard whose every prompt failed has no file and is not listed — names the
    /// prompts <paramref name="missing"/> that have no row in its metadata (<see cref="MissingPromptsKey"/>),
    /// records its size and SHA-256 in the key's index entry, and removes the shards.
    /// </summary>
    public void Merge(string key, IReadOnlyList<int> shards, IReadOnlyCollection<int> missing, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(missing);
        ArgumentNullException.ThrowIfNull(metadata);
        if (shards.Count == 0)
        {
            throw new InvalidOperationException($"{MergedPath(key)}: no shard has any prompt's activations to merge.");
        }

        if (missing.Count > 0)
        {
            metadata = new Dictionary<string, string>(metadata) { [MissingPromptsKey] = string.Join(',', missing.Order()) };
        }

        // The old entry goes first: until the new one is written, whatever lies under the merged
        // name (an earlier file, or none) is untrusted rather than vouched for by a stale entry.
        string index = IndexPath(MergedPath(key));
        if (File.Exists(index))
        {
            File.Delete(index);
        }

        MergeShards(key, shards, metadata);

        // Hashed as read back from disk, so the entry vouches for the bytes a later run will read.
        string merged = MergedPath(key);
        (long bytes, string sha256) = Fingerprint(merged, reuse: false);
        AtomicFile.WriteAllText(index, new JsonObject
        {
            ["file"] = Path.GetFileName(merged),
            ["bytes"] = bytes,
            ["sha256"] = sha256,
        }.ToJsonString(CampaignResults.Format));
        Directory.Delete(Path.Combine(Root, key, "shards"), recursive: true);
    }

    /// <summary>
    /// Loads stream <paramref name="stream"/> of <paramref name="key"/>'s activations, [N, H] in its
    /// stored dtype, without reading the other streams.
    /// </summary>
    /// <exception cref="InvalidDataException">The merged file is absent or does not match its index entry.</exception>
    public Tensor LoadStream(string key, int stream)
    {
        string merged = MergedPath(key);
        Trust(merged);
        using SafetensorsFile file = SafetensorsFile.Open(merged);
        return file.ReadSlice(TensorName, stream);
    }

    /// <summary>The shape [L+1, N, H] of <paramref name="key"/>'s merged activations.</summary>
    /// <exception cref="InvalidDataException">The merged file is absent or does not match its index entry.</exception>
    public long[] Shape(string key)
    {
        string merged = MergedPath(key);
        Trust(merged);
        using SafetensorsFile file = SafetensorsFile.Open(merged);
        return file.Get(TensorName).Shape;
    }

    /// <summary>Loads <paramref name="key"/>'s activations [L+1, N, H] float32.</summary>
    /// <exception cref="InvalidDataException">The merged file is absent or does not match its index entry.</exception>
    public Tensor Load(string key) => LoadVerified(MergedPath(key));

    /// <summary>Loads a merged file of a store (a path a coordinator handed out) [L+1, N, H] float32, once it matches its index entry.</summary>
    /// <exception cref="InvalidDataException">The file is absent or does not match its index entry.</exception>
    public static Tensor LoadVerified(string mergedPath)
    {
        Trust(mergedPath);
        using SafetensorsFile file = SafetensorsFile.Open(mergedPath);
        return file.Read(TensorName, ScalarType.Float32);
    }

    /// <summary>
    /// Which prompt each row of a merged file holds: 0..<paramref name="prompts"/>−1 without the
    /// prompts its metadata names as missing (they failed on their own during the capture).
    /// </summary>
    /// <param name="mergedPath">A merged file (trusted or not: only its header is read).</param>
    /// <param name="prompts">The size of the prompt set the capture was asked for.</param>
    /// <exception cref="InvalidDataException">The metadata's list is not indices of that set, or the row count does not match it.</exception>
    public static IReadOnlyList<int> PromptRows(string mergedPath, int prompts)
    {
        using SafetensorsFile file = SafetensorsFile.Open(mergedPath);
        var missing = new HashSet<int>();
        if (file.Metadata.TryGetValue(MissingPromptsKey, out string? list))
        {
            foreach (string item in list.Split(','))
            {
                if (!int.TryParse(item, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index) || index >= prompts || !missing.Add(index))
                {
                    throw new InvalidDataException($"{mergedPath}: metadata '{MissingPromptsKey}' holds '{item}', which is not a distinct prompt index below {prompts}.");
                }
            }
        }

        int[] rows = [.. Enumerable.Range(0, prompts).Where(i => !missing.Contains(i))];
        long stored = file.Get(TensorName).Shape[1];
        if (stored != rows.Length)
        {
            throw new InvalidDataException($"{mergedPath}: {stored} rows of activations, but {prompts} prompts less {missing.Count} missing is {rows.Length}.");
        }

        return rows;
    }

    /// <summary>Throws unless <paramref name="merged"/> is present and matches its index entry.</summary>
    private static void Trust(string merged)
    {
        (bool trusted, string? problem) = Verify(merged);
        if (!trusted)
        {
            throw new InvalidDataException($"{merged}: the stored activations are not trusted: {problem ?? "the file is missing"}.");
        }
    }

    /// <summary>
    /// Writes the shards' [L+1, n_i, H] tensors as one [L+1, Σn_i, H] file, stream by stream and shard
    /// by shard, so no more than one shard's slice of one stream is in memory: a 10,000-prompt capture
    /// of a 2B model is gigabytes of activations, which a concatenation in memory would hold twice.
    /// </summary>
    private void MergeShards(string key, IReadOnlyList<int> shards, IReadOnlyDictionary<string, string> metadata)
    {
        var counts = new long[shards.Count];
        long[]? first = null;
        SafetensorsDType dtype = SafetensorsDType.F32;
        for (int i = 0; i < shards.Count; i++)
        {
            using SafetensorsFile file = SafetensorsFile.Open(ShardPath(key, shards[i]));
            TensorInfo info = file.Get(TensorName);
            if (info.Shape.Length != 3 || (first is not null && (info.Shape[0] != first[0] || info.Shape[2] != first[2] || info.DType != dtype)))
            {
                throw new InvalidDataException($"{ShardPath(key, shards[i])}: shard shape [{string.Join(", ", info.Shape)}] {info.DType} does not match shard 0's [{string.Join(", ", first ?? [])}] {dtype}.");
            }

            (first, dtype) = first is null ? (info.Shape, info.DType) : (first, dtype);
            counts[i] = info.Shape[1];
        }

        long streams = first![0];
        long hidden = first[2];
        var layout = new TensorLayout(TensorName, dtype, [streams, counts.Sum(), hidden]);
        SafetensorsWriter.WriteStreamed(MergedPath(key), [layout], (_, output) =>
        {
            for (long stream = 0; stream < streams; stream++)
            {
                foreach (int shard in shards)
                {
                    using SafetensorsFile file = SafetensorsFile.Open(ShardPath(key, shard));
                    file.CopySlice(TensorName, stream, output);
                }
            }
        }, metadata);
    }

    /// <summary>Whether <paramref name="merged"/> is present and matches its index entry; when it is present but not trusted, why.</summary>
    private static (bool Trusted, string? Problem) Verify(string merged)
    {
        if (!File.Exists(merged))
        {
            return (false, null);
        }

        string index = IndexPath(merged);
        if (!File.Exists(index))
        {
            return (false, $"{merged} has no index entry ({IndexFileName}): it was left by a write that never finished, or by an older Geode");
        }

        long expectedBytes;
        string? expectedSha;
        try
        {
            JsonNode? entry = JsonNode.Parse(File.ReadAllText(index));
            expectedBytes = (long?)entry?["bytes"] ?? -1;
            expectedSha = (string?)entry?["sha256"];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return (false, $"{index} is not an index entry: {e.Message}");
        }

        long actualBytes = new FileInfo(merged).Length;
        if (actualBytes != expectedBytes)
        {
            return (false, $"{merged} is {actualBytes} bytes but its index entry says {expectedBytes} (truncated, or replaced since)");
        }

        (_, string actualSha) = Fingerprint(merged, reuse: true);
        return string.Equals(actualSha, expectedSha, StringComparison.Ordinal)
            ? (true, null)
            : (false, $"{merged}'s SHA-256 {actualSha} differs from its index entry's {expectedSha} (corrupted, or replaced since)");
    }

    /// <summary>
    /// The size and SHA-256 of <paramref name="file"/>. Hashing reads the whole file, so with
    /// <paramref name="reuse"/> a result is kept per process for as long as the file's size and write
    /// time stay the same (a coordinator asks about its store several times per capture).
    /// </summary>
    private static (long Bytes, string Sha256) Fingerprint(string file, bool reuse)
    {
        var info = new FileInfo(file);
        string path = info.FullName;
        if (reuse && Fingerprints.TryGetValue(path, out FileFingerprint? known) && known.Bytes == info.Length && known.Written == info.LastWriteTimeUtc)
        {
            return (known.Bytes, known.Sha256);
        }

        string sha256;
        using (FileStream stream = File.OpenRead(path))
        {
            sha256 = Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        Fingerprints[path] = new FileFingerprint(info.Length, info.LastWriteTimeUtc, sha256);
        return (info.Length, sha256);
    }

    private static string IndexPath(string merged) => Path.Combine(Path.GetDirectoryName(merged)!, IndexFileName);

    private string ShardPath(string key, int shard) => Path.Combine(Root, key, "shards", $"shard-{shard:D5}.safetensors");

    private sealed record FileFingerprint(long Bytes, DateTime Written, string Sha256);
}
