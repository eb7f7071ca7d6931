namespace Geode.Tests.Fuzz;

/// <summary>A case that broke the contract: a stray exception type, a hang, too slow, or too much allocated.</summary>
/// <param name="Case">The case's index; <c>GEODE_FUZZ_CASE=index</c> reruns it alone.</param>
/// <param name="Mutation">How its input was made.</param>
/// <param name="Problem">What went wrong.</param>
internal sealed record FuzzFailure(int Case, string Mutation, string Problem);
