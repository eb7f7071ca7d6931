using System.Text;

namespace Geode.Model.Text;

/// <summary>
/// Llama 3 Instruct, text only: <c>&lt;|begin_of_text|&gt;</c>, then per message
/// <c>&lt;|start_header_id|&gt;ROLE&lt;|end_header_id|&gt;\n\nCONTENT&lt;|eot_id|&gt;</c> with content
/// trimmed. No default system prompt is injected (Llama 3.1+'s templates add a knowledge-cutoff date
/// one; Geode leaves the prompt exactly as the caller wrote it).
/// </summary>
public sealed class Llama3ChatTemplate : IChatTemplate
{
    /// <inheritdoc/>
    public string Name => "llama3";

    /// <inheritdoc/>
    public IReadOnlyList<string> StopTokens { get; } = ["<|eot_id|>", "<|end_of_text|>"];

    /// <inheritdoc/>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        ChatRoles.Check(messages, "Llama 3");
        var text = new StringBuilder("<|begin_of_text|>");
        foreach (ChatMessage message in messages)
        {
            text.Append("<|start_header_id|>").Append(message.Role).Append("<|end_header_id|>\n\n")
                .Append(message.Content.Trim()).Append("<|eot_id|>");
        }

        if (addGenerationPrompt)
        {
            text.Append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        }

        return text.ToString();
    }
}
