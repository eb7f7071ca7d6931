using Geode.Analysis.Judges;
using Geode.Analysis.Measures;
using Geode.Analysis.Prompts;

namespace Geode.Analysis.Evaluation;

/// <summary>One prompt's response and every judge's verdict on it.</summary>
/// <param name="Record">The prompt.</param>
/// <param name="Response">The generated text (special tokens removed).</param>
/// <param name="Tokens">How many tokens were generated.</param>
/// <param name="Verdicts">One verdict per judge, in the judges' order.</param>
public sealed record ResponseRecord(PromptRecord Record, string Response, int Tokens, IReadOnlyList<JudgeVerdict> Verdicts);

/// <summary>Refusals in one category under the primary judge.</summary>
/// <param name="Category">The category.</param>
/// <param name="Refused">Responses judged refused.</param>
/// <param name="Interval">The refusal rate with its bootstrap interval (N is the category's size).</param>
public sealed record CategoryRefusal(string Category, int Refused, RateInterval Interval);

/// <summary>A baseline: every response, and refusal per category by the first judge.</summary>
/// <param name="Responses">Per prompt, in prompt-set order.</param>
/// <param name="ByCategory">Per category, in prompt-set order.</param>
/// <param name="Judge">The primary judge's name and version.</param>
public sealed record BaselineResult(IReadOnlyList<ResponseRecord> Responses, IReadOnlyList<CategoryRefusal> ByCategory, string Judge)
{
    /// <summary>The refusal rate of <paramref name="category"/> under the primary judge.</summary>
    public double Rate(string category) => ByCategory.Single(c => c.Category == category).Interval.Rate;
}
