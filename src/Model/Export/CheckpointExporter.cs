using System.Text.Json;
using System.Text.Json.Nodes;
using Geode.Model.Checkpoints;
using Geode.Model.Edits;
using Geode.Model.Files;
using Geode.Model.Weights;
using static TorchSharp.torch;

namespace Geode.Model.Export;

/// <summary>
/// Writes an edited copy of a Hugging Face checkpoint folder that transformers loads unchanged:
/// the same safetensors files (single file, or the same shards and an index with the same
/// weight_map), each with the same tensor names, dtypes, order and metadata; the writer weights
/// the edit touches are edited in float32 and rounded to their stored dtype, every other tensor is
/// copied bit for bit; every other file of the folder (config, tokenizer, chat template...) is
/// copied unchanged.
/// </summary>
/// <remarks>
/// Memory: the model, loaded in the checkpoint's own dtype, plus one tensor at a time. The output is
/// assembled in a temporary folder beside <c>outFolder</c> and renamed into place at the end, so a
/// failed export never leaves a half-written checkpoint under the final name.
/// <para>
/// An export is never int8 (<see cref="WeightFormat.Int8"/>): the model is loaded dense, in the
/// checkpoint's own dtype, and the edit is applied to those weights. int8 is a way to hold a model
/// once loaded, not a checkpoint format; writing dequantised int8 weights back would put int8's
/// rounding into every matrix under the source's dtype. To run an exported edit in 8 bits, load the
/// export with <c>--dtype int8</c>: that quantises the edited weights once, where an edit made on an
/// int8 model (<see cref="CausalLM.ApplyToWeights"/>) requantises already quantised ones and rounds
/// away what moves a weight by less than half a step.
/// </para>
/// </remarks>
public static class CheckpointExporter
{
    /// <summary>Exports <paramref name="modelFolder"/> with <paramref name="edit"/> applied to <paramref name="outFolder"/>.</summary>
    /// <param name="modelFolder">The input checkpoint folder.</param>
    /// <param name="edit">The edit; <see cref="Edit.None"/> makes an exact copy.</param>
    /// <param name="outFolder">The folder to create; it may exist only if empty.</param>
    /// <param name="device">Where to run the edit; the CPU when null.</param>
    /// <exception cref="BadInputException">
    /// The model folder or checkpoint is bad, the edit does not fit the model, or <paramref name="outFolder"/>
    /// is the model folder, lies inside it, is a file, or is a non-empty folder.
    /// </exception>
    public static ExportSummary Export(string modelFolder, Edit edit, string outFolder, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(modelFolder);
        ArgumentNullException.ThrowIfNull(edit);
        ArgumentNullException.ThrowIfNull(outFolder);
        string source = Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelFolder));
        string target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outFolder));
        CheckTarget(source, target);

        using CheckpointFolder checkpoint = CheckpointFolder.Open(source);
        using CausalLM model = ModelLoader.Load(source, new LoadOptions(null, device ?? CPU));
        model.ApplyToWeights(edit);
        Dictionary<string, string> edited = EditedTensors(model, edit);

        string parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        string temp = Path.Combine(parent, $".{Path.GetFileName(target)}.geode-export-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            var written = new List<string>();
            var editedInOrder = new List<string>();
            int tensorCount = 0;
            using (var noGrad = no_grad())
            {
                foreach (SafetensorsFile file in checkpoint.Files)
                {
                    string name = Path.GetFileName(file.Path);
                    TensorLayout[] layout = [.. file.Tensors.Select(TensorLayout.Of)];
                    SafetensorsWriter.Write(
                        Path.Combine(temp, name),
                        layout,
                        tensor => Produce(file, tensor, edited, model.Weights),
                        file.Metadata.Count == 0 ? null : file.Metadata);
                    written.Add(name);
                    editedInOrder.AddRange(file.Tensors.Select(t => t.Name).Where(edited.ContainsKey));
                    tensorCount += layout.Length;
                }
            }

            if (checkpoint.IndexPath is string index)
            {
                WriteIndex(index, Path.Combine(temp, CheckpointFolder.IndexFileName), checkpoint);
                written.Add(CheckpointFolder.IndexFileName);
            }

            HashSet<string> skip = [.. checkpoint.Files.Select(f => f.Path), .. checkpoint.IndexPath is null ? [] : new[] { checkpoint.IndexPath }];
            List<string> copied = CopySideFiles(source, temp, skip);

            if (Directory.Exists(target))
            {
                // Checked empty above; Directory.Move needs the name free.
                Directory.Delete(target);
            }

            Directory.Move(temp, target);
            return new ExportSummary(target, written, copied, editedInOrder, tensorCount);
        }
        catch
        {
            DeleteQuietly(temp);
            throw;
        }
    }

    private static void CheckTarget(string source, string target)
    {
        if (string.Equals(source, target, StringComparison.Ordinal))
        {
            throw new BadInputException($"{target}: is the model folder itself; export writes a new folder and never overwrites its input.", target);
        }

        if (target.StartsWith(source + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new BadInputException($"{target}: lies inside the model folder {source}; choose an out folder outside it.", target);
        }

        if (File.Exists(target))
        {
            throw new BadInputException($"{target}: is a file; expected a new (or empty) folder for the edited checkpoint.", target);
        }

        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new BadInputException($"{target}: already exists and is not empty; export writes only into a new or empty folder.", target);
        }
    }

    /// <summary>The checkpoint names of the writer weights the edit touches, mapped to their canonical names.</summary>
    private static Dictionary<string, string> EditedTensors(CausalLM model, Edit edit)
    {
        var edited = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (EditPart part in edit.Parts)
        {
            foreach (int layer in part.Layers)
            {
                foreach (WriterKind writer in part.Writers)
                {
                    string canonical = writer.WeightName(layer);
                    edited[model.Weights.CheckpointName(canonical)] = canonical;
                }
            }
        }

        return edited;
    }

    private static Tensor Produce(SafetensorsFile file, string name, Dictionary<string, string> edited, WeightStore weights)
    {
        if (edited.TryGetValue(name, out string? canonical))
        {
            // Already rounded to the model's dtype, which is the checkpoint's; to() is a no-op then.
            return weights[canonical].to(file.Get(name).DType.ToScalarType(), CPU);
        }

        // Read as stored, with no conversion: the bytes go back out exactly as they came in.
        return file.Read(name);
    }

    /// <summary>The same index, its weight_map untouched; total_size recomputed from what was written.</summary>
    private static void WriteIndex(string sourceIndex, string targetIndex, CheckpointFolder checkpoint)
    {
        JsonNode root = JsonNode.Parse(File.ReadAllBytes(sourceIndex))!;
        if (root["metadata"] is JsonObject metadata && metadata.ContainsKey("total_size"))
        {
            metadata["total_size"] = checkpoint.Names.Sum(n => checkpoint.Info(n).ByteLength);
        }

        AtomicFile.WriteAllText(targetIndex, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static List<string> CopySideFiles(string source, string temp, HashSet<string> skip)
    {
        var copied = new List<string>();
        foreach (string path in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (skip.Contains(path))
            {
                continue;
            }

            string relative = Path.GetRelativePath(source, path);
            string destination = Path.Combine(temp, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            AtomicFile.Copy(path, destination);
            copied.Add(relative);
        }

        return copied;
    }

    private static void DeleteQuietly(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // The export's own error is the one worth reporting; a stray temp folder is harmless.
        }
    }
}
