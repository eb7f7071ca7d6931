namespace Geode.Model.Text;

/// <summary>The token-to-id facts of a <c>tokenizer.json</c> that the native engine does not expose.</summary>
/// <param name="Ids">Every token string to its id: the model's vocabulary and the added tokens.</param>
/// <param name="SpecialIds">The ids of added tokens flagged <c>special</c> (dropped by <c>skip_special_tokens</c>).</param>
/// <param name="Size">One more than the largest id.</param>
internal sealed record TokenizerVocabulary(IReadOnlyDictionary<string, int> Ids, IReadOnlySet<int> SpecialIds, int Size);
