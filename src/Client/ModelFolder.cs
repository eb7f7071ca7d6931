using Geode.Model;
using Geode.Model.Checkpoints;
using Geode.Model.Config;
using Geode.Model.Native;
using static TorchSharp.torch;

namespace Geode.Client;

/// <summary>
/// Checks a <c>--model</c> folder before any torch work, so a wrong path or a broken file is reported
/// at once instead of after torch has started: the folder, <c>config.json</c> (parsed and validated)
/// and the checkpoint's headers.
/// </summary>
internal static class ModelFolder
{
    /// <summary>Validates <paramref name="folder"/> and returns its configuration.</summary>
    /// <exception cref="BadInputException">The folder, its config or its checkpoint is missing or malformed.</exception>
    public static ModelConfig Check(string folder, string flag = "--model")
    {
        if (!Directory.Exists(folder))
        {
            throw new BadInputException($"{flag} {folder}: no such folder; expected a Hugging Face checkpoint folder (config.json, model.safetensors).", flag);
        }

        if (!File.Exists(Path.Combine(folder, "config.json")))
        {
            throw new BadInputException($"{flag} {folder}: config.json is missing; a Hugging Face checkpoint folder needs one.", Path.Combine(folder, "config.json"));
        }

        ModelConfig config = ConfigReader.Read(folder);

        // Opening reads and validates every header; the tensor data stays on disk.
        using CheckpointFolder checkpoint = CheckpointFolder.Open(folder);
        return config;
    }

    /// <summary>The TorchSharp device for a parsed <c>--device</c>.</summary>
    public static Device DeviceOf(DeviceSpec spec) => device(spec.ToString());
}
