using System.Text;

namespace Geode.Model.Text;

/// <summary>
/// Gemma 3 (the <c>chat_template</c> of its <c>tokenizer_config.json</c>), text only. Gemma 3 has no
/// system role: a leading system message's text plus <c>"\n\n"</c> is prefixed to the first user
/// turn. After it, turns must alternate user, assistant, user, ... Each turn is
/// <c>&lt;start_of_turn&gt;ROLE\nCONTENT&lt;end_of_turn&gt;\n</c>, content trimmed, <c>assistant</c>
/// spelled <c>model</c>.
/// </summary>
public sealed class Gemma3ChatTemplate : IChatTemplate
{
    /// <inheritdoc/>
    public string Name => "gemma3";

    /// <inheritdoc/>
    public IReadOnlyList<string> StopTokens { get; } = ["<end_of_turn>", "<eos>"];

    /// <inheritdoc/>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        ChatRoles.Check(messages, "Gemma 3");
        var text = new StringBuilder("<bos>");
        int first = 0;
        string prefix = string.Empty;
        if (messages.Count > 0 && messages[0].Role == ChatMessage.System)
        {
            // Not trimmed: the original template concatenates the system content as is.
            prefix = messages[0].Content + "\n\n";
            first = 1;
            if (messages.Count == 1)
            {
                // The original would drop the system text without a word; a study should not.
                throw new BadInputException(
                    "The Gemma 3 template has no system turn: a system message must be followed by a user message, which it is prefixed to.",
                    field: "role");
            }
        }

        for (int i = first; i < messages.Count; i++)
        {
            ChatMessage message = messages[i];
            string expected = (i - first) % 2 == 0 ? ChatMessage.User : ChatMessage.Assistant;
            if (message.Role != expected)
            {
                throw new BadInputException(
                    $"Chat message {i} has role '{message.Role}' where the Gemma 3 template needs '{expected}': after an optional " +
                    "leading system message, roles must alternate user/assistant/user/assistant/...",
                    field: "role");
            }

            string role = message.Role == ChatMessage.Assistant ? "model" : message.Role;
            text.Append("<start_of_turn>").Append(role).Append('\n');
            if (i == first)
            {
                text.Append(prefix);
            }

            text.Append(message.Content.Trim()).Append("<end_of_turn>\n");
        }

        if (addGenerationPrompt)
        {
            text.Append("<start_of_turn>model\n");
        }

        return text.ToString();
    }
}
