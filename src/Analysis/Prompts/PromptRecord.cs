namespace Geode.Analysis.Prompts;

/// <summary>One prompt of a prompt set, with its label and its phrasing variants.</summary>
/// <param name="Id">Unique within its set; results are keyed by it.</param>
/// <param name="Category">The category it is reported under, e.g. <c>emergency_medical</c>.</param>
/// <param name="Expected">Whether it should be answered or refused.</param>
/// <param name="Prompt">The text as a user would type it.</param>
/// <param name="Variants">Rephrasings of the same request; may be empty.</param>
public sealed record PromptRecord(string Id, string Category, ExpectedBehavior Expected, string Prompt, IReadOnlyList<string> Variants)
{
    /// <summary>Equal when every field is, the variants compared element by element (not by list identity).</summary>
    public bool Equals(PromptRecord? other) =>
        other is not null
        && Id == other.Id
        && Category == other.Category
        && Expected == other.Expected
        && Prompt == other.Prompt
        && Variants.SequenceEqual(other.Variants);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        HashCode hash = new();
        hash.Add(Id);
        hash.Add(Category);
        hash.Add(Expected);
        hash.Add(Prompt);
        foreach (string variant in Variants)
        {
            hash.Add(variant);
        }

        return hash.ToHashCode();
    }
}
