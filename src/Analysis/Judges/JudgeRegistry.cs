using Geode.Model;

namespace Geode.Analysis.Judges;

/// <summary>The judges by name: <c>keyword</c>, <c>regex</c> and <c>first-token</c>.</summary>
public static class JudgeRegistry
{
    /// <summary>Every registered judge, in a stable order.</summary>
    public static IReadOnlyList<JudgeDescriptor> All { get; } =
    [
        new(KeywordJudge.JudgeName, "1", JudgeInput.ResponseText, $"refusal when any of {KeywordJudge.DefaultMarkers.Count} keyword markers appears"),
        new(RegexJudge.JudgeName, "1", JudgeInput.ResponseText, "refusal patterns weighed against compliance patterns; under 50 characters is a refusal"),
        new(FirstTokenRefusalJudge.JudgeName, FirstTokenRefusalJudge.BaseVersion, JudgeInput.FirstTokenLogits, "probability mass on refusal-opening tokens; needs a model's first-token logits"),
    ];

    /// <summary>The names of the judges that read response text.</summary>
    public static IReadOnlyList<string> ResponseJudgeNames { get; } =
        [.. All.Where(j => j.Input == JudgeInput.ResponseText).Select(j => j.Name)];

    /// <summary>Creates the built-in text judges named in <paramref name="names"/>, in that order.</summary>
    /// <param name="names">Registry names; duplicates are judged once.</param>
    /// <param name="source">Where the names came from (a flag, a campaign file's field), for error messages.</param>
    /// <param name="horizon">When set, each judge reads only the first this-many characters (<see cref="HorizonJudge"/>).</param>
    /// <exception cref="BadInputException">A name is unknown, or names a judge that does not read text.</exception>
    public static IReadOnlyList<IResponseJudge> CreateResponseJudges(IEnumerable<string> names, string source, int? horizon = null)
    {
        ArgumentNullException.ThrowIfNull(names);
        var judges = new List<IResponseJudge>();
        foreach (string name in names.Distinct(StringComparer.Ordinal))
        {
            IResponseJudge judge = name switch
            {
                KeywordJudge.JudgeName => new KeywordJudge(),
                RegexJudge.JudgeName => new RegexJudge(),
                FirstTokenRefusalJudge.JudgeName => throw new BadInputException(
                    $"{source}: the {name} judge reads a model's first-token logits, not response text, so it is not available here; "
                    + $"text judges: {string.Join(", ", ResponseJudgeNames)}.",
                    source,
                    name),
                _ => throw new BadInputException(
                    $"{source}: unknown judge '{name}'; the judges are {string.Join(", ", All.Select(Describe))}.",
                    source,
                    name),
            };
            judges.Add(horizon is int characters ? new HorizonJudge(judge, characters) : judge);
        }

        if (judges.Count == 0)
        {
            throw new BadInputException($"{source}: no judges named; text judges: {string.Join(", ", ResponseJudgeNames)}.", source);
        }

        return judges;
    }

    private static string Describe(JudgeDescriptor judge) =>
        judge.Input == JudgeInput.ResponseText
            ? $"{judge.Name} (v{judge.Version})"
            : $"{judge.Name} (v{judge.Version}, needs first-token logits)";
}
