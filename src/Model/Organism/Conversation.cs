namespace Geode.Model.Organism;

/// <summary>One single-turn training example of the model organism's corpus.</summary>
/// <param name="Category">One of <see cref="OrganismCorpus.Categories"/>, the benchmark's category names.</param>
/// <param name="Prompt">What the user asks.</param>
/// <param name="Response">What the organism should answer: a short helpful answer or a refusal.</param>
/// <param name="Refused">Whether <paramref name="Response"/> is a refusal.</param>
public sealed record Conversation(string Category, string Prompt, string Response, bool Refused);
