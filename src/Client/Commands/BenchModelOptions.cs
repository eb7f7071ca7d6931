using System.CommandLine;
using Geode.Model;
using Geode.Model.Native;
using Geode.Model.Random;
using Geode.Model.Weights;

namespace Geode.Client.Commands;

/// <summary>
/// The model a throughput benchmark runs on: a checkpoint folder or a randomly initialised model of
/// a named shape (so a GPU host needs no weights), in a dtype, on the runtime's device.
/// </summary>
internal sealed class BenchModelOptions
{
    private readonly RuntimeOptions _runtime = new();
    private readonly Option<string?> _model = new("--model") { Description = "A checkpoint folder.", HelpName = "DIR" };
    private readonly Option<string?> _random = new("--random-config")
    {
        Description = $"A randomly initialised model of a named shape instead: {string.Join(", ", RandomConfigs.Names)}.",
        HelpName = "NAME",
    };

    private readonly DTypeOption _dtype = new("The dtype to run in (default: float32).");
    private readonly Option<long> _seed = new("--seed") { Description = "Seed of the random weights and prompts.", DefaultValueFactory = _ => 0 };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        _runtime.AddTo(command);
        _dtype.AddTo(command);
        command.Add(_model);
        command.Add(_random);
        command.Add(_seed);
    }

    /// <summary>The seed given.</summary>
    public long Seed(ParseResult parsed) => parsed.GetValue(_seed);

    /// <summary>Starts torch and loads (or builds) the model; also gives the precision's name (<c>float32</c>, <c>int8</c>...).</summary>
    /// <exception cref="BadInputException">Neither or both of --model and --random-config, or an unknown shape.</exception>
    public (CausalLM Model, string Name, TorchRuntimeInfo Runtime, string DType) Load(ParseResult parsed, string command)
    {
        string? folder = parsed.GetValue(_model), preset = parsed.GetValue(_random);
        if ((folder is null) == (preset is null))
        {
            throw new BadInputException($"{command}: give exactly one of --model DIR or --random-config NAME.", "--model");
        }

        if (preset is not null)
        {
            RandomConfigs.Get(preset);
        }

        ModelPrecision precision = _dtype.Read(parsed) ?? new ModelPrecision(TorchSharp.torch.ScalarType.Float32);
        TorchRuntimeInfo info = TorchRuntime.Initialize(_runtime.Read(parsed));
        var device = new TorchSharp.torch.Device(info.Device.ToString());
        CausalLM lm = preset is not null
            ? RandomModel.Create(RandomConfigs.Get(preset), parsed.GetValue(_seed), precision, device)
            : ModelLoader.Load(folder!, LoadOptions.For(precision, device));
        return (lm, preset ?? folder!, info, DTypeOption.NameOf(precision));
    }
}
