using System.Text;

namespace Geode.Model.Text;

/// <summary>
/// ChatML as Qwen2 uses it, text only: <c>&lt;|im_start|&gt;ROLE\nCONTENT&lt;|im_end|&gt;\n</c> per
/// message, content as written (not trimmed). Unlike Qwen2's own template it injects no default
/// system prompt when the conversation has none, so prompts stay exactly what the caller wrote.
/// </summary>
public sealed class ChatMlTemplate : IChatTemplate
{
    /// <inheritdoc/>
    public string Name => "chatml";

    /// <inheritdoc/>
    public IReadOnlyList<string> StopTokens { get; } = ["<|im_end|>", "<|endoftext|>"];

    /// <inheritdoc/>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        ChatRoles.Check(messages, "ChatML");
        var text = new StringBuilder();
        foreach (ChatMessage message in messages)
        {
            text.Append("<|im_start|>").Append(message.Role).Append('\n').Append(message.Content).Append("<|im_end|>\n");
        }

        if (addGenerationPrompt)
        {
            text.Append("<|im_start|>assistant\n");
        }

        return text.ToString();
    }
}
