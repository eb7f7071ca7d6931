namespace Geode.Analysis.Evaluation;

/// <summary>A prompt an evaluation left out because processing it alone threw.</summary>
/// <param name="Index">Its index in the evaluated prompt set.</param>
/// <param name="Id">Its id.</param>
/// <param name="Cause">The exception's type and message.</param>
public sealed record FailedPrompt(int Index, string Id, string Cause);
