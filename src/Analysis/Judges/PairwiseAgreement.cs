namespace Geode.Analysis.Judges;

/// <summary>How two judges agree on the responses both judged, and where they do not.</summary>
/// <param name="First">The first judge's name.</param>
/// <param name="Second">The second judge's name.</param>
/// <param name="Table">The 2×2 table (first judge's refusals are <see cref="AgreementTable.FirstOnly"/> and <see cref="AgreementTable.BothRefused"/>).</param>
/// <param name="DisagreeingIds">The ids of the responses the two judges disagree on, in input order.</param>
public sealed record PairwiseAgreement(string First, string Second, AgreementTable Table, IReadOnlyList<string> DisagreeingIds);
