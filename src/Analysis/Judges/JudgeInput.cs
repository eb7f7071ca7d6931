namespace Geode.Analysis.Judges;

/// <summary>What a judge reads.</summary>
public enum JudgeInput
{
    /// <summary>The generated response text (<see cref="IResponseJudge"/>).</summary>
    ResponseText,

    /// <summary>The first generated token's logits; no generation (<see cref="FirstTokenRefusalJudge"/>).</summary>
    FirstTokenLogits,
}
