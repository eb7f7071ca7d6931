using Geode.Model;

namespace Geode.Campaigns;

/// <summary>Everything wrong with one campaign file, each with its line and key path.</summary>
internal sealed class CampaignErrors(string file)
{
    private readonly List<(int Line, string Path, string Message)> _errors = [];

    public string File { get; } = file;

    /// <summary>The most errors the message lists; the rest are counted.</summary>
    public const int MaxListed = 50;

    public int Count => _errors.Count;

    public void Add(int line, string path, string message) => _errors.Add((line, path, message));

    /// <summary>Throws one <see cref="BadInputException"/> that lists every error, when there is any.</summary>
    public void ThrowIfAny()
    {
        if (_errors.Count == 0)
        {
            return;
        }

        // A file of thousands of bad lines (a pasted log, a generated file gone wrong) would otherwise
        // give a message of thousands of lines; the first ones say what is wrong.
        IEnumerable<string> lines = _errors
            .OrderBy(e => e.Line)
            .Take(MaxListed)
            .Select(e => $"{File}:{e.Line}: {(e.Path.Length == 0 ? string.Empty : e.Path + ": ")}{e.Message}");
        string more = _errors.Count > MaxListed ? $"\n  ... and {_errors.Count - MaxListed} more" : string.Empty;
        string heading = _errors.Count == 1 ? "The campaign file is invalid; nothing was started:" : $"The campaign file has {_errors.Count} errors; nothing was started:";
        throw new BadInputException($"{heading}\n  {string.Join("\n  ", lines)}{more}", File, _errors.OrderBy(e => e.Line).First().Path);
    }
}
