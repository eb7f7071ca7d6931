namespace Geode.Analysis.Prompts;

/// <summary>The file formats a prompt set is read from.</summary>
public enum PromptSetFormat
{
    /// <summary>The study's format: <c>{"prompts":[{...}, ...]}</c>, or a bare array of records (<c>.json</c>).</summary>
    Json,

    /// <summary>One JSON object per line (<c>.jsonl</c>).</summary>
    Jsonl,

    /// <summary>RFC 4180 comma-separated values with a header row (<c>.csv</c>).</summary>
    Csv,
}
