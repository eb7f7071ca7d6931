using System.CommandLine;
using Geode.Model;
using Geode.Model.Edits;

namespace Geode.Client;

/// <summary><c>--edit EDIT</c>: an edit file (see README, "edit file"), loaded and checked before torch work starts.</summary>
internal sealed class EditOption
{
    private readonly Option<string?> _option;

    /// <summary>Creates the flag.</summary>
    public EditOption(string description, bool required)
    {
        _option = new Option<string?>("--edit") { Description = description, HelpName = "EDIT", Required = required };
    }

    /// <summary>Adds the flag to <paramref name="command"/>.</summary>
    public void AddTo(Command command) => command.Add(_option);

    /// <summary>The loaded edit, or null when the flag was not given.</summary>
    /// <exception cref="BadInputException">The file is missing or is not a valid edit file.</exception>
    public Edit? Read(ParseResult parsed)
    {
        string? path = parsed.GetValue(_option);
        if (path is null)
        {
            return null;
        }

        if (!File.Exists(path))
        {
            throw new BadInputException($"--edit {path}: no such file; expected an edit file (.safetensors).", "--edit");
        }

        return EditFile.Load(path);
    }
}
