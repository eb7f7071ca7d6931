namespace Geode.Analysis.Judges;

/// <summary>One response and the verdicts every configured judge gave it.</summary>
/// <param name="Id">The response's (or prompt's) id.</param>
/// <param name="Verdicts">One verdict per judge, in the panel's order.</param>
public sealed record JudgedResponse(string Id, IReadOnlyList<JudgeVerdict> Verdicts);
