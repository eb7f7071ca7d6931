namespace Geode.Analysis.Judges;

/// <summary>One evidence pattern of the <see cref="RegexJudge"/>: a regular expression and its weight.</summary>
/// <param name="Name">A short label for reports, e.g. <c>first-person-cannot</c>.</param>
/// <param name="Pattern">A .NET regular expression, matched without regard to case, <c>^</c>/<c>$</c> at line ends.</param>
/// <param name="Weight">How much one match counts; positive.</param>
public sealed record WeightedPattern(string Name, string Pattern, double Weight);
