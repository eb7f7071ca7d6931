namespace Geode.Analysis.Judges;

/// <summary>The configured text judges; every response gets a verdict from each of them.</summary>
public sealed class JudgePanel
{
    private readonly IResponseJudge[] _judges;

    /// <summary>Creates the panel.</summary>
    /// <param name="judges">At least one judge; names must be distinct, since agreement pairs judges by name.</param>
    public JudgePanel(IEnumerable<IResponseJudge> judges)
    {
        ArgumentNullException.ThrowIfNull(judges);
        _judges = [.. judges];
        if (_judges.Length == 0)
        {
            throw new ArgumentException("A judge panel needs at least one judge.", nameof(judges));
        }

        string? duplicate = _judges.GroupBy(j => j.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (duplicate is not null)
        {
            throw new ArgumentException($"Judge '{duplicate}' appears twice in the panel.", nameof(judges));
        }
    }

    /// <summary>The judges, in the order their verdicts appear.</summary>
    public IReadOnlyList<IResponseJudge> Judges => _judges;

    /// <summary>Judges one response with every judge.</summary>
    public JudgedResponse Judge(string id, string prompt, string response) =>
        new(id, [.. _judges.Select(j => j.Judge(prompt, response))]);
}
