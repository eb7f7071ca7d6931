namespace Geode.Analysis.Prompts;

/// <summary>
/// One record as a reader found it, before mapping and validation: field name → value, and where
/// it sits in its file so every error can point there.
/// </summary>
/// <param name="Location">E.g. <c>set.csv:12</c> or <c>set.json: record 3</c>.</param>
/// <param name="Fields">The record's fields; a null value (JSON <c>null</c>) counts as absent.</param>
internal sealed record RawRecord(string Location, IReadOnlyDictionary<string, RawField> Fields);

/// <summary>A field's value: one string, or (JSON arrays) a list of strings.</summary>
internal sealed record RawField(string? Text, IReadOnlyList<string>? Items)
{
    public static RawField Of(string text) => new(text, null);

    public static RawField Of(IReadOnlyList<string> items) => new(null, items);
}
