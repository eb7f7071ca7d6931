namespace Geode.Analysis.Judges;

/// <summary>A judge the registry knows: its name, base version, what it reads, and one line about it.</summary>
/// <param name="Name">The registry name.</param>
/// <param name="Version">The base version of the built-in configuration.</param>
/// <param name="Input">What the judge reads.</param>
/// <param name="Description">One line for help text and error messages.</param>
public sealed record JudgeDescriptor(string Name, string Version, JudgeInput Input, string Description);
