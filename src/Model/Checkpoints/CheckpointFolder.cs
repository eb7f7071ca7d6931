using System.Text.Json;
using TorchSharp;

namespace Geode.Model.Checkpoints;

/// <summary>
/// A Hugging Face checkpoint folder: one <c>model.safetensors</c>, or a
/// <c>model.safetensors.index.json</c> whose <c>weight_map</c> names the shard holding each tensor.
/// Every file is opened and validated up front. Pickle checkpoints (<c>*.bin</c>, <c>*.pt</c>,
/// <c>*.pth</c>) are refused without being read: unpickling runs code from the file.
/// </summary>
public sealed class CheckpointFolder : IDisposable
{
    /// <summary>The single-file checkpoint's name.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>The sharded checkpoint's index.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private static readonly string[] PickleExtensions = [".bin", ".pt", ".pth", ".ckpt", ".pkl"];

    private readonly Dictionary<string, SafetensorsFile> _fileOf;

    private CheckpointFolder(string folder, string? indexPath, IReadOnlyList<SafetensorsFile> files, Dictionary<string, SafetensorsFile> fileOf, IReadOnlyCollection<string> names)
    {
        Folder = folder;
        IndexPath = indexPath;
        Files = files;
        _fileOf = fileOf;
        Names = names;
    }

    /// <summary>The folder's absolute path.</summary>
    public string Folder { get; }

    /// <summary>The index file's path, or null for a single-file checkpoint.</summary>
    public string? IndexPath { get; }

    /// <summary>The open safetensors files: the single file, or the shards in file-name order.</summary>
    public IReadOnlyList<SafetensorsFile> Files { get; }

    /// <summary>Every tensor name, file by file in data-offset order.</summary>
    public IReadOnlyCollection<string> Names { get; }

    /// <summary>Opens a checkpoint folder and validates its index and every file it uses.</summary>
    /// <exception cref="BadInputException">No such folder, no safetensors checkpoint in it, or a malformed file.</exception>
    public static CheckpointFolder Open(string folder)
    {
        string full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            throw new BadInputException($"{full}: no such folder; expected a Hugging Face checkpoint folder.", full);
        }

        // transformers prefers the single file when both are present; so do we.
        string single = Path.Combine(full, SingleFileName);
        if (File.Exists(single))
        {
            SafetensorsFile file = SafetensorsFile.Open(single);
            Dictionary<string, SafetensorsFile> fileOf = file.Tensors.ToDictionary(t => t.Name, _ => file, StringComparer.Ordinal);
            return new CheckpointFolder(full, null, [file], fileOf, [.. file.Tensors.Select(t => t.Name)]);
        }

        string index = Path.Combine(full, IndexFileName);
        if (File.Exists(index))
        {
            return OpenSharded(full, index);
        }

        throw NoCheckpoint(full);
    }

    /// <summary>True when the checkpoint holds a tensor of that name.</summary>
    public bool Contains(string name) => _fileOf.ContainsKey(name);

    /// <summary>The header entry of one tensor.</summary>
    /// <exception cref="BadInputException">No such tensor.</exception>
    public TensorInfo Info(string name) => FileFor(name).Get(name);

    /// <summary>The path of the file that holds a tensor.</summary>
    /// <exception cref="BadInputException">No such tensor.</exception>
    public string FileOf(string name) => FileFor(name).Path;

    /// <summary>Reads a tensor; see <see cref="SafetensorsFile.Read"/>.</summary>
    /// <exception cref="BadInputException">No such tensor.</exception>
    public torch.Tensor Read(string name, torch.ScalarType? dtype = null, torch.Device? device = null) =>
        FileFor(name).Read(name, dtype, device);

    /// <summary>Rows <c>[start, start + count)</c> of the tensor named <paramref name="name"/>, in <paramref name="dtype"/> on the CPU.</summary>
    /// <exception cref="BadInputException">No such tensor.</exception>
    internal torch.Tensor ReadRows(string name, long start, long count, torch.ScalarType dtype) => FileFor(name).ReadRows(name, start, count, dtype);

    /// <summary>Closes every file.</summary>
    public void Dispose()
    {
        foreach (SafetensorsFile file in Files)
        {
            file.Dispose();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Folder;

    private SafetensorsFile FileFor(string name)
    {
        if (_fileOf.TryGetValue(name, out SafetensorsFile? file))
        {
            return file;
        }

        string where = IndexPath ?? Files[0].Path;
        throw new BadInputException($"{where}: the checkpoint has no tensor named '{name}' ({Names.Count} tensors in {Folder}).", where, name);
    }

    private static CheckpointFolder OpenSharded(string folder, string index)
    {
        var opened = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            Dictionary<string, SafetensorsFile> fileOf = ReadWeightMap(index, (name, shard) => Shard(folder, index, opened, name, shard));
            foreach ((string name, SafetensorsFile file) in fileOf)
            {
                if (!file.Contains(name))
                {
                    throw new BadInputException(
                        $"{index}: weight_map puts tensor '{name}' in {Path.GetFileName(file.Path)}, but {file.Path} holds no tensor of that name.",
                        index,
                        name);
                }
            }

            SafetensorsFile[] files = [.. opened.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => pair.Value)];

            // Tensors a shard holds beyond the index are not part of the checkpoint, as in transformers.
            string[] names = [.. files.SelectMany(file => file.Tensors
                .Where(t => fileOf.TryGetValue(t.Name, out SafetensorsFile? owner) && owner == file)
                .Select(t => t.Name))];
            return new CheckpointFolder(folder, index, files, fileOf, names);
        }
        catch
        {
            foreach (SafetensorsFile file in opened.Values)
            {
                file.Dispose();
            }

            throw;
        }
    }

    /// <summary>The open shard <paramref name="shard"/> (a bare file name, already checked), opened on first use.</summary>
    private static SafetensorsFile Shard(string folder, string index, Dictionary<string, SafetensorsFile> opened, string name, string shard)
    {
        if (opened.TryGetValue(shard, out SafetensorsFile? file))
        {
            return file;
        }

        string shardPath = Path.Combine(folder, shard);
        if (!File.Exists(shardPath))
        {
            throw new BadInputException(
                $"{index}: weight_map puts tensor '{name}' in {shard}, but {shardPath} does not exist; the checkpoint is incomplete.",
                index,
                name);
        }

        try
        {
            file = SafetensorsFile.Open(shardPath);
        }
        catch (BadInputException error)
        {
            // The shard's own message says what is wrong with it; the index is how the user got there.
            throw new BadInputException($"{error.Message} The weight_map in {index} names it as the shard of tensor '{name}'.", error.Source, error.Field, error);
        }

        opened[shard] = file;
        return file;
    }

    /// <summary>
    /// Reads the index's weight_map, opening each shard the first time an entry names it through
    /// <paramref name="shardOf"/>, so a missing shard is refused at its first entry rather than
    /// after the whole map is in memory.
    /// </summary>
    private static Dictionary<string, SafetensorsFile> ReadWeightMap(string index, Func<string, string, SafetensorsFile> shardOf)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(index));
        }
        catch (JsonException error)
        {
            throw new BadInputException($"{index}: not valid JSON: {error.Message.TrimEnd('.')}.", index, "weight_map", error);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (JsonStrings.FindUnreadable(root) is { } unreadable)
            {
                throw new BadInputException($"{index}: cannot be read as text at {unreadable}.", index, "weight_map");
            }

            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("weight_map", out JsonElement map))
            {
                throw new BadInputException(
                    $"{index}: expected an object with a weight_map of tensor names to shard files; found {(root.ValueKind == JsonValueKind.Object ? "no weight_map" : $"a JSON {root.ValueKind.ToString().ToLowerInvariant()}")}.",
                    index,
                    "weight_map");
            }

            if (map.ValueKind != JsonValueKind.Object)
            {
                throw new BadInputException(
                    $"{index}: weight_map is a JSON {map.ValueKind.ToString().ToLowerInvariant()}; expected an object of tensor names to shard file names.",
                    index,
                    "weight_map");
            }

            var weightMap = new Dictionary<string, SafetensorsFile>(map.GetPropertyCount(), StringComparer.Ordinal);
            string? previous = null;
            foreach (JsonProperty entry in map.EnumerateObject())
            {
                // Indexes list a shard's tensors in runs: reusing the previous entry's shard string
                // keeps a map of many thousands of entries from holding as many copies of a few names.
                string? shard = entry.Value.ValueKind != JsonValueKind.String ? null
                    : previous is not null && entry.Value.ValueEquals(previous) ? previous
                    : entry.Value.GetString();

                // A shard is a file beside the index; anything else could read outside the folder.
                if (string.IsNullOrEmpty(shard) || shard != Path.GetFileName(shard) || shard is "." or "..")
                {
                    throw new BadInputException(
                        $"{index}: weight_map[\"{entry.Name}\"] is {entry.Value.GetRawText()}; expected the file name of a shard beside the index, such as \"model-00001-of-00002.safetensors\".",
                        index,
                        entry.Name);
                }

                string name = entry.Name;
                if (weightMap.ContainsKey(name))
                {
                    throw new BadInputException($"{index}: weight_map lists tensor '{name}' more than once.", index, name);
                }

                weightMap[name] = shardOf(name, shard);
                previous = shard;
            }

            if (weightMap.Count == 0)
            {
                throw new BadInputException($"{index}: weight_map is empty; expected at least one tensor.", index, "weight_map");
            }

            return weightMap;
        }
    }

    private static BadInputException NoCheckpoint(string folder)
    {
        string[] pickles = [.. Directory.EnumerateFiles(folder)
            .Where(f => PickleExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)!];
        if (pickles.Length > 0)
        {
            return new BadInputException(
                $"{folder}: holds only a pickle checkpoint ({string.Join(", ", pickles)}), which Geode refuses to load because " +
                "unpickling runs code from the file. Convert it to safetensors with transformers, then point Geode at OUT: " +
                $"python -c \"from transformers import AutoModelForCausalLM as M; M.from_pretrained('{folder}').save_pretrained('OUT', safe_serialization=True)\"",
                folder,
                pickles[0]);
        }

        string[] others = [.. Directory.EnumerateFiles(folder, "*.safetensors").Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
        string found = others.Length > 0 ? $" (found {string.Join(", ", others)}, which a Hugging Face checkpoint does not use)" : string.Empty;
        return new BadInputException(
            $"{folder}: no checkpoint found: expected {SingleFileName} or {IndexFileName}{found}.",
            folder,
            SingleFileName);
    }
}
