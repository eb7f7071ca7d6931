namespace Geode.Analysis.Prompts;

/// <summary>What a helpful, safe assistant should do with a prompt: the label a refusal rate is measured against.</summary>
public enum ExpectedBehavior
{
    /// <summary>Answer the prompt (written <c>comply</c> in prompt files).</summary>
    Comply,

    /// <summary>Decline the prompt (written <c>refuse</c> in prompt files).</summary>
    Refuse,
}
