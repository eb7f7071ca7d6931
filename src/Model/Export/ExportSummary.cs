namespace Geode.Model.Export;

/// <summary>What <see cref="CheckpointExporter.Export"/> wrote.</summary>
/// <param name="OutFolder">The new checkpoint folder's absolute path.</param>
/// <param name="CheckpointFiles">The safetensors files (and index) written, relative to <paramref name="OutFolder"/>.</param>
/// <param name="CopiedFiles">Every other file, copied unchanged, relative to <paramref name="OutFolder"/>.</param>
/// <param name="EditedTensors">Checkpoint names of the tensors the edit changed, in file order.</param>
/// <param name="TensorCount">How many tensors the checkpoint files hold in all.</param>
public sealed record ExportSummary(
    string OutFolder,
    IReadOnlyList<string> CheckpointFiles,
    IReadOnlyList<string> CopiedFiles,
    IReadOnlyList<string> EditedTensors,
    int TensorCount);
