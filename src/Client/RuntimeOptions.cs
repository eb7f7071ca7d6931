using System.CommandLine;
using Geode.Model.Native;

namespace Geode.Client;

/// <summary>
/// The flags every model-running command shares: <c>--libtorch</c> (or <c>GEODE_LIBTORCH</c>),
/// <c>--device</c> and <c>--threads</c>.
/// </summary>
internal sealed class RuntimeOptions
{
    private const string LibTorchVariable = "GEODE_LIBTORCH";

    private readonly Option<string?> _libTorch = new("--libtorch")
    {
        Description = $"A libtorch 2.10/2.11 lib folder to load instead of the bundled CPU one (default: ${LibTorchVariable}).",
        HelpName = "DIR",
    };

    private readonly Option<string> _device = new("--device")
    {
        Description = "Compute device: cpu or cuda:N (CUDA needs --libtorch).",
        DefaultValueFactory = _ => "cpu",
    };

    private readonly Option<int> _threads = new("--threads")
    {
        Description = "CPU threads for torch (0: torch's default).",
        DefaultValueFactory = _ => 0,
    };

    /// <summary>Adds the flags to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(_libTorch);
        command.Add(_device);
        command.Add(_threads);
    }

    /// <summary>Reads the flags (and <c>GEODE_LIBTORCH</c>) into runtime options.</summary>
    public TorchRuntimeOptions Read(ParseResult parsed)
    {
        string? folder = parsed.GetValue(_libTorch);
        string origin = "--libtorch";
        if (string.IsNullOrWhiteSpace(folder))
        {
            folder = Environment.GetEnvironmentVariable(LibTorchVariable);
            origin = LibTorchVariable;
        }

        int threads = parsed.GetValue(_threads);
        if (threads < 0)
        {
            throw new Model.BadInputException($"--threads: {threads} is negative; use 0 for torch's default or a count.", "--threads");
        }

        return new TorchRuntimeOptions(
            string.IsNullOrWhiteSpace(folder) ? null : folder,
            origin,
            DeviceSpec.Parse(parsed.GetValue(_device) ?? "cpu"),
            threads);
    }
}
