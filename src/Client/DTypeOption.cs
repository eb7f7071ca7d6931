using System.CommandLine;
using Geode.Model;
using Geode.Model.Weights;

namespace Geode.Client;

/// <summary>
/// <c>--dtype float32|bfloat16|float16|float64|int8</c>: the precision a model runs in (<c>int8</c>:
/// int8 weight matrices, bfloat16 compute). Parsed by hand rather than by System.CommandLine so
/// that a wrong value is one message naming the flag and the accepted values.
/// </summary>
internal sealed class DTypeOption
{
    private readonly Option<string?> _option;

    /// <summary>Creates the flag; <paramref name="description"/> says what the default is.</summary>
    public DTypeOption(string description)
    {
        _option = new Option<string?>("--dtype") { Description = description, HelpName = string.Join('|', ModelDTypes.Names) };
    }

    /// <summary>Adds the flag to <paramref name="command"/>.</summary>
    public void AddTo(Command command) => command.Add(_option);

    /// <summary>The precision named, or null when the flag was not given.</summary>
    /// <exception cref="BadInputException">The value is not one of the accepted names.</exception>
    public ModelPrecision? Read(ParseResult parsed)
    {
        string? text = parsed.GetValue(_option);
        if (text is null)
        {
            return null;
        }

        return ModelDTypes.TryParse(text, out ModelPrecision precision)
            ? precision
            : throw new BadInputException($"--dtype: '{text}' is not a dtype Geode runs models in; use {string.Join(", ", ModelDTypes.Names)}.", "--dtype");
    }

    /// <summary>The flag's spelling of <paramref name="precision"/> (<c>float32</c>, <c>bfloat16</c>, <c>int8</c>...).</summary>
    public static string NameOf(ModelPrecision precision) => ModelDTypes.NameOf(precision);
}
