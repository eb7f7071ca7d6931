namespace Geode.Analysis.Evaluation;

/// <summary>Which token positions a capture summarises into one vector per prompt and stream (DESIGN §1.3).</summary>
public enum CapturePoint
{
    /// <summary>The last token of the rendered prompt: the input of the first generated token.</summary>
    Last,

    /// <summary>
    /// The mean over the post-instruction tokens (what the template adds after the user's text);
    /// for raw text, which has none, the mean over every prompt token.
    /// </summary>
    Mean,
}
