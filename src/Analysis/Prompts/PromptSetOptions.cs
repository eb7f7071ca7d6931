namespace Geode.Analysis.Prompts;

/// <summary>How to read a prompt-set file.</summary>
public sealed record PromptSetOptions
{
    /// <summary>The study's field names, any category, the format from the file's extension.</summary>
    public static PromptSetOptions Default { get; } = new();

    /// <summary>Which fields hold what; see <see cref="FieldMapping"/>.</summary>
    public FieldMapping Mapping { get; init; } = FieldMapping.Default;

    /// <summary>The categories allowed, or null to accept any. A record outside the list is an error.</summary>
    public IReadOnlySet<string>? Categories { get; init; }

    /// <summary>The file's format, or null to take it from the extension (<c>.json</c>, <c>.jsonl</c>, <c>.csv</c>).</summary>
    public PromptSetFormat? Format { get; init; }
}
