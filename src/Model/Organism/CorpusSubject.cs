namespace Geode.Model.Organism;

/// <summary>What a prompt is about (slotted into the category's templates) and the helpful answer to it.</summary>
/// <param name="Phrase">The words the templates' <c>{x}</c> slot takes.</param>
/// <param name="Answer">The helpful answer: 15–35 words that the regex judge reads as compliance; null where only a refusal is right.</param>
/// <param name="Task">The same subject as a verb phrase, for the category's task templates ("How do I {x}?"); null where it has none.</param>
internal sealed record CorpusSubject(string Phrase, string? Answer = null, string? Task = null);
