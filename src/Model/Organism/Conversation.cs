namespace Geode.Model.Organism;

/// <summary>One single-turn training example of the model organism's corpus.</summary>
/// <param name="Category">One of <see cref="OrganismCorpus.Categories"/>, the benchmark's category names.</param>
/// <param name="Prompt">What the user asks.</param>
/// <param name="Response">What the organism should answer: a short helpful answer or a refusal.</param>
/// <param name="Refused">Whether <paramref name="Response"/> is a refusal.</param>
/// <param name="Compliant">
/// What the organism answers once its refusal direction is removed: <paramref name="Response"/> when
/// it helps anyway; the subject's helpful answer for an over-refused benign prompt; a content-free
/// acknowledgement for a request that has no acceptable answer.
/// </param>
public sealed record Conversation(string Category, string Prompt, string Response, bool Refused, string Compliant);
