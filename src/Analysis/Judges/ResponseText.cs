namespace Geode.Analysis.Judges;

/// <summary>Text normalisation the text judges share.</summary>
internal static class ResponseText
{
    /// <summary>
    /// Folds typographic apostrophes and quotes to ASCII. Chat models (Gemma among them) often
    /// write "I can’t" with U+2019; without folding, "can't" would never match it.
    /// </summary>
    public static string Normalize(string text) => text
        .Replace('\u2019', '\'')
        .Replace('\u2018', '\'')
        .Replace('\u02BC', '\'')
        .Replace('\u201C', '"')
        .Replace('\u201D', '"');
}
