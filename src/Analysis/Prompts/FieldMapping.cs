namespace Geode.Analysis.Prompts;

/// <summary>
/// Which field of a user's file holds each part of a <see cref="PromptRecord"/>, and how its
/// labels translate into <see cref="ExpectedBehavior"/>. The default reads the study's own names.
/// </summary>
/// <example><c>FieldMapping.Default with { Prompt = "text", Expected = "label", ExpectedValues = new Dictionary&lt;string, ExpectedBehavior&gt; { ["harmful"] = ExpectedBehavior.Refuse, ["harmless"] = ExpectedBehavior.Comply } }</c></example>
public sealed record FieldMapping
{
    /// <summary>The study's field names and the labels <c>comply</c> and <c>refuse</c>.</summary>
    public static FieldMapping Default { get; } = new();

    /// <summary>The field holding the id (required).</summary>
    public string Id { get; init; } = "id";

    /// <summary>The field holding the category (required).</summary>
    public string Category { get; init; } = "category";

    /// <summary>The field holding the expected behaviour's label (required).</summary>
    public string Expected { get; init; } = "expected";

    /// <summary>The field holding the prompt text (required, not blank).</summary>
    public string Prompt { get; init; } = "prompt";

    /// <summary>
    /// The field holding the variants, or null when the file has none. Optional per record: a
    /// record without it has no variants. In JSON it is an array of strings or one string; in CSV
    /// one cell, the variants separated by <see cref="VariantSeparator"/>.
    /// </summary>
    public string? Variants { get; init; } = "variants";

    /// <summary>Separates variants written as one string (a CSV cell); each piece is trimmed.</summary>
    public char VariantSeparator { get; init; } = '|';

    /// <summary>
    /// Label → behaviour, matched ignoring case and surrounding spaces. Replaces the default table,
    /// so include <c>comply</c> and <c>refuse</c> if the file also uses them.
    /// </summary>
    public IReadOnlyDictionary<string, ExpectedBehavior> ExpectedValues { get; init; } = new Dictionary<string, ExpectedBehavior>
    {
        ["comply"] = ExpectedBehavior.Comply,
        ["refuse"] = ExpectedBehavior.Refuse,
    };
}
