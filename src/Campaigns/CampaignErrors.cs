using Geode.Model;

namespace Geode.Campaigns;

/// <summary>Everything wrong with one campaign file, each with its line and key path.</summary>
internal sealed class CampaignErrors(string file)
{
    private readonly List<(int Line, string Path, string Message)> _errors = [];

    public string File { get; } = file;

    public int Count => _errors.Count;

    public void Add(int line, string path, string message) => _errors.Add((line, path, message));

    /// <summary>Throws one <see cref="BadInputException"/> that lists every error, when there is any.</summary>
    public void ThrowIfAny()
    {
        if (_errors.Count == 0)
        {
            return;
        }

        IEnumerable<string> lines = _errors
            .OrderBy(e => e.Line)
            .Select(e => $"{File}:{e.Line}: {(e.Path.Length == 0 ? string.Empty : e.Path + ": ")}{e.Message}");
        string heading = _errors.Count == 1 ? "The campaign file is invalid; nothing was started:" : $"The campaign file has {_errors.Count} errors; nothing was started:";
        throw new BadInputException($"{heading}\n  {string.Join("\n  ", lines)}", File, _errors.OrderBy(e => e.Line).First().Path);
    }
}
