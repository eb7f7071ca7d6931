using Geode.Model.Checkpoints;
using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Text;
using Geode.Model.Weights;

namespace Geode.Model.Inspection;

/// <summary>
/// What a checkpoint folder holds, read from <c>config.json</c> and the safetensors headers alone
/// (no tensor data is read): the shape of each layer, its writers, and the parameter count.
/// </summary>
/// <param name="Folder">The checkpoint folder.</param>
/// <param name="Config">The normalised configuration.</param>
/// <param name="Layers">Per-layer facts, in order.</param>
/// <param name="ParameterCount">Elements in the decoder's tensors, the redundant k/v tensors of KV-shared layers left out.</param>
/// <param name="RedundantKvTensors">
/// k/v tensors that KV-shared layers carry but never use (Gemma 4 checkpoints may store them), found and not counted.
/// </param>
/// <param name="RedundantKvParameters">Their elements.</param>
/// <param name="OtherTensors">Tensors that are not part of the text decoder (vision or audio towers), not counted.</param>
/// <param name="DTypes">The stored dtypes of the decoder's tensors, in header spelling.</param>
/// <param name="ChatTemplate">The chat template Geode uses for the model type, or null when it knows none.</param>
public sealed record ArchitectureSummary(
    string Folder,
    ModelConfig Config,
    IReadOnlyList<LayerSummary> Layers,
    long ParameterCount,
    int RedundantKvTensors,
    long RedundantKvParameters,
    int OtherTensors,
    IReadOnlyList<string> DTypes,
    string? ChatTemplate)
{
    /// <summary>Reads the summary of the checkpoint in <paramref name="folder"/>.</summary>
    /// <exception cref="BadInputException">The folder, config or checkpoint is missing or malformed.</exception>
    public static ArchitectureSummary Read(string folder)
    {
        ModelConfig config = ConfigReader.Read(folder);
        using CheckpointFolder checkpoint = CheckpointFolder.Open(folder);
        IReadOnlyList<WriterKind> writers = config.PerLayerInputSize > 0
            ? [WriterKind.AttentionOutput, WriterKind.MlpOutput, WriterKind.PerLayerOutput]
            : [WriterKind.AttentionOutput, WriterKind.MlpOutput];

        long parameters = 0, redundantParameters = 0;
        int redundant = 0, other = 0;
        var dtypes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string name in checkpoint.Names)
        {
            string? canonical = CheckpointNames.Canonical(name);
            TensorInfo info = checkpoint.Info(name);
            if (canonical is null)
            {
                other++;
                continue;
            }

            dtypes.Add(info.DType.HeaderName());
            if (CheckpointNames.IsUnusedKv(config, canonical))
            {
                redundant++;
                redundantParameters += info.ElementCount;
                continue;
            }

            parameters += info.ElementCount;
        }

        LayerSummary[] layers = [.. config.Layers.Select(l => new LayerSummary(l.Index, l.Kind, l.HeadDim, l.IntermediateSize, l.KvSourceLayer ?? l.Index, writers))];
        string? template = null;
        try
        {
            template = ChatTemplates.ForModelType(config.ModelType).Name;
        }
        catch (BadInputException)
        {
            // No template is a fact to report, not an error: the model still runs on raw text.
        }

        return new ArchitectureSummary(checkpoint.Folder, config, layers, parameters, redundant, redundantParameters, other, [.. dtypes], template);
    }
}
