using Geode.Analysis.Judges;
using Geode.Analysis.Measures;
using Geode.Analysis.Prompts;

namespace Geode.Analysis.Evaluation;

/// <summary>One prompt's response and every judge's verdict on it.</summary>
/// <param name="Record">The prompt.</param>
/// <param name="Response">The generated text (special tokens removed).</param>
/// <param name="Tokens">How many tokens were generated.</param>
/// <param name="Verdicts">One verdict per judge, in the judges' order.</param>
public sealed record ResponseRecord(PromptRecord Record, string Response, int Tokens, IReadOnlyList<JudgeVerdict> Verdicts)
{
    /// <summary>Wall-clock seconds of the generation batch this response came from (responses are generated together, not one by one).</summary>
    public double BatchSeconds { get; init; }

    /// <summary>True when generation stopped early because every judge's verdict was settled (<see cref="BaselineOptions.EarlyStop"/>).</summary>
    public bool Settled { get; init; }
}

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
    /// <summary>The prompts left out because processing them alone threw (none in most runs); the rates are over the others.</summary>
    public IReadOnlyList<FailedPrompt> Failed { get; init; } = [];

    /// <summary>The refusal rate of <paramref name="category"/> under the primary judge.</summary>
    public double Rate(string category) => ByCategory.Single(c => c.Category == category).Interval.Rate;

    /// <summary>Refusal per category of <paramref name="prompts"/>' categories from <paramref name="responses"/> (the first verdict of each).</summary>
    /// <param name="prompts">The prompt set: its categories, in order.</param>
    /// <param name="responses">One response per prompt, in any order; prompts without one (they failed) are left out of the rates.</param>
    /// <param name="judge">The primary judge's name and version.</param>
    /// <param name="seed">Seed of the bootstrap intervals.</param>
    public static BaselineResult Summarise(PromptSet prompts, IReadOnlyList<ResponseRecord> responses, string judge, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(responses);
        CategoryRefusal[] byCategory =
        [
            .. prompts.Categories.Select(category =>
            {
                bool[] refused = [.. responses.Where(r => r.Record.Category == category).Select(r => r.Verdicts[0].Refused)];

                // A category whose every prompt failed (a campaign goes on without such prompts) has no rate.
                RateInterval interval = refused.Length == 0
                    ? new RateInterval(double.NaN, double.NaN, double.NaN, 0, BootstrapInterval.DefaultConfidence, BootstrapInterval.DefaultResamples, seed)
                    : BootstrapInterval.ForRate(refused, seed: seed);
                return new CategoryRefusal(category, refused.Count(x => x), interval);
            }),
        ];
        return new BaselineResult(responses, byCategory, judge);
    }
}
