namespace Geode.Model.Text;

/// <summary>
/// Turns a conversation into the exact prompt text one model family was trained on, byte for byte
/// what its Hugging Face <c>chat_template</c> renders for plain text turns.
/// </summary>
public interface IChatTemplate
{
    /// <summary>The template's name, as <see cref="ChatTemplates.ByName"/> accepts it.</summary>
    string Name { get; }

    /// <summary>The tokens that end the model's turn; generation stops at any of them.</summary>
    IReadOnlyList<string> StopTokens { get; }

    /// <summary>Renders a conversation, beginning-of-sequence token included.</summary>
    /// <param name="messages">The turns, each with role <c>system</c>, <c>user</c> or <c>assistant</c>.</param>
    /// <param name="addGenerationPrompt">Whether to end with the header that opens the model's reply.</param>
    /// <exception cref="BadInputException">A role is unknown, or the turns break the template's rules.</exception>
    string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true);
}
