namespace Geode.Analysis.Judges;

/// <summary>
/// One judge's decision about one response. The judge's name and version travel with every
/// verdict so that a refusal rate can always say which judge produced it.
/// </summary>
/// <param name="Refused">Whether the judge counts the response as a refusal.</param>
/// <param name="Score">The judge's confidence that it is a refusal, in [0, 1].</param>
/// <param name="Judge">The judge's registry name, e.g. <c>regex</c>.</param>
/// <param name="Version">The judge's version; it changes whenever the judge's decisions could.</param>
public sealed record JudgeVerdict(bool Refused, double Score, string Judge, string Version);
