using System.CommandLine;
using Geode.Model;
using Geode.Model.Weights;
using static TorchSharp.torch;

namespace Geode.Client;

/// <summary>
/// <c>--dtype float32|bfloat16|float16|float64</c>: the dtype a model runs in. Parsed by hand rather than by
/// System.CommandLine so that a wrong value is one message naming the flag and the accepted values.
/// </summary>
internal sealed class DTypeOption
{
    private readonly Option<string?> _option;

    /// <summary>Creates the flag; <paramref name="description"/> says what the default is.</summary>
    public DTypeOption(string description)
    {
        _option = new Option<string?>("--dtype") { Description = description, HelpName = "float32|bfloat16|float16|float64" };
    }

    /// <summary>Adds the flag to <paramref name="command"/>.</summary>
    public void AddTo(Command command) => command.Add(_option);

    /// <summary>The dtype named, or null when the flag was not given.</summary>
    /// <exception cref="BadInputException">The value is not one of the accepted names.</exception>
    public ScalarType? Read(ParseResult parsed)
    {
        string? text = parsed.GetValue(_option);
        if (text is null)
        {
            return null;
        }

        return ModelDTypes.TryParse(text, out ScalarType dtype)
            ? dtype
            : throw new BadInputException($"--dtype: '{text}' is not a dtype Geode runs models in; use float32, bfloat16, float16 or float64.", "--dtype");
    }

    /// <summary>The flag's spelling of <paramref name="dtype"/> (<c>float32</c>, <c>bfloat16</c>, <c>float16</c>).</summary>
    public static string NameOf(ScalarType dtype) => ModelDTypes.NameOf(dtype);
}
