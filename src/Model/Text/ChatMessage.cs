namespace Geode.Model.Text;

/// <summary>One turn of a conversation, before a chat template renders it.</summary>
/// <param name="Role"><c>system</c>, <c>user</c> or <c>assistant</c> (templates rename it as their model expects).</param>
/// <param name="Content">The text of the turn.</param>
public sealed record ChatMessage(string Role, string Content)
{
    /// <summary>The role of instructions that frame the whole conversation.</summary>
    public const string System = "system";

    /// <summary>The role of the person talking to the model.</summary>
    public const string User = "user";

    /// <summary>The role of the model's own replies.</summary>
    public const string Assistant = "assistant";
}
