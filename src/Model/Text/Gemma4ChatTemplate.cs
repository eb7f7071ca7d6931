using System.Text;

namespace Geode.Model.Text;

/// <summary>
/// Gemma 4 E2B/E4B-it (<c>chat_template.jinja</c>), thinking off, text only:
/// <c>&lt;bos&gt;</c>, a native system turn when the first message is a system message, then
/// <c>&lt;|turn&gt;ROLE\nCONTENT&lt;turn|&gt;\n</c> per turn with content trimmed and <c>assistant</c>
/// spelled <c>model</c>. The generation prompt is <c>&lt;|turn&gt;model\n</c> with no empty thought
/// channel: the E-series templates do not add one, and adding it degrades E2B's output.
/// </summary>
public sealed class Gemma4ChatTemplate : IChatTemplate
{
    private const string ChannelStart = "<|channel>";
    private const string ChannelEnd = "<channel|>";

    /// <summary>
    /// This template as Jinja, for a <c>chat_template.jinja</c> that Hugging Face tokenizers read
    /// (text turns only; thinking off). Written from the rendering rules above.
    /// </summary>
    public const string Jinja =
        "{{- '<bos>' -}}\n" +
        "{%- set turns = messages -%}\n" +
        "{%- if messages and messages[0]['role'] == 'system' -%}\n" +
        "{{- '<|turn>system\\n' + (messages[0]['content'] | trim) + '<turn|>\\n' -}}\n" +
        "{%- set turns = messages[1:] -%}\n" +
        "{%- endif -%}\n" +
        "{%- for message in turns -%}\n" +
        "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}\n" +
        "{{- '<|turn>' + role + '\\n' + (message['content'] | trim) + '<turn|>\\n' -}}\n" +
        "{%- endfor -%}\n" +
        "{%- if add_generation_prompt -%}{{- '<|turn>model\\n' -}}{%- endif -%}\n";

    /// <inheritdoc/>
    public string Name => "gemma4";

    /// <inheritdoc/>
    public IReadOnlyList<string> StopTokens { get; } = ["<turn|>", "<eos>"];

    /// <inheritdoc/>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        ChatRoles.Check(messages, "Gemma 4");
        var text = new StringBuilder("<bos>");
        int first = 0;
        if (messages.Count > 0 && messages[0].Role == ChatMessage.System)
        {
            text.Append("<|turn>system\n").Append(messages[0].Content.Trim()).Append("<turn|>\n");
            first = 1;
        }

        for (int i = first; i < messages.Count; i++)
        {
            ChatMessage message = messages[i];
            bool model = message.Role == ChatMessage.Assistant;
            string content = model ? StripThinking(message.Content) : message.Content.Trim();
            text.Append("<|turn>").Append(model ? "model" : message.Role).Append('\n').Append(content).Append("<turn|>\n");
        }

        if (addGenerationPrompt)
        {
            text.Append("<|turn>model\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// The template's <c>strip_thinking</c>: earlier model turns go back without their thought
    /// channels (<c>&lt;|channel&gt;...&lt;channel|&gt;</c>), then trimmed.
    /// </summary>
    private static string StripThinking(string content)
    {
        var kept = new StringBuilder(content.Length);
        foreach (string part in content.Split(ChannelEnd))
        {
            int start = part.IndexOf(ChannelStart, StringComparison.Ordinal);
            kept.Append(start < 0 ? part : part[..start]);
        }

        return kept.ToString().Trim();
    }
}
