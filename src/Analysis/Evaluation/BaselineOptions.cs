using Geode.Model.Edits;

namespace Geode.Analysis.Evaluation;

/// <summary>How to run a behavioural baseline.</summary>
/// <param name="MaxNewTokens">Tokens generated per response (DESIGN §1.2: short generations hide late refusals).</param>
/// <param name="BatchSize">Prompts generated together.</param>
public sealed record BaselineOptions(int MaxNewTokens = 128, int BatchSize = 32)
{
    /// <summary>An edit to run with (activation space), or null for the model as loaded.</summary>
    public Edit? Edit { get; init; }

    /// <summary>Seed of the bootstrap intervals.</summary>
    public ulong Seed { get; init; }
}
