namespace Geode.Analysis.Judges;

/// <summary>
/// A judge that reads a generated response (and the prompt it answers) and decides whether the
/// model refused. Implementations are deterministic and thread-safe.
/// </summary>
public interface IResponseJudge
{
    /// <summary>The registry name, e.g. <c>keyword</c>.</summary>
    string Name { get; }

    /// <summary>The version recorded in every verdict; it changes whenever a decision could.</summary>
    string Version { get; }

    /// <summary>Judges one response.</summary>
    /// <param name="prompt">The prompt the response answers; judges may ignore it.</param>
    /// <param name="response">The generated text, without the chat template's markup.</param>
    JudgeVerdict Judge(string prompt, string response);
}
