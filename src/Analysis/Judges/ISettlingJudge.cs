namespace Geode.Analysis.Judges;

/// <summary>
/// A judge that can tell from the start of a response that its verdict can no longer change, so
/// generation may stop there (DESIGN §1.1: the verdict, not the text, is what a trial needs).
/// </summary>
/// <remarks>
/// "Settled" is a promise about every continuation of the prefix: the judge's
/// <see cref="IResponseJudge.Judge"/> of any longer response that starts with
/// the prefix returns the same <see cref="JudgeVerdict.Refused"/>. Scores may still
/// differ (they are computed on the text that was generated).
/// </remarks>
public interface ISettlingJudge : IResponseJudge
{
    /// <summary>The verdict every continuation of <paramref name="prefix"/> gets (true: refused), or null while it can still change.</summary>
    /// <param name="prompt">The prompt the response answers.</param>
    /// <param name="prefix">The response generated so far, without the chat template's markup.</param>
    bool? Settled(string prompt, string prefix);
}
