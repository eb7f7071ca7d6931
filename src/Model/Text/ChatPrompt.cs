using Geode.Model.Config;

namespace Geode.Model.Text;

/// <summary>
/// One user turn as a model sees it: rendered with the chat template (generation prompt on) and
/// tokenised, and the ids that end the model's answer. Shared by generation, capture and evaluation
/// so that every path renders and stops alike.
/// </summary>
public static class ChatPrompt
{
    /// <summary>The ids of <paramref name="userText"/> as a single user turn with the generation prompt.</summary>
    public static int[] Encode(TextTokenizer tokenizer, IChatTemplate template, string userText)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(template);
        return tokenizer.Encode(template.Render([new ChatMessage(ChatMessage.User, userText)]));
    }

    /// <summary>The ids of <paramref name="userText"/> rendered as <paramref name="rendering"/> asks: a chat turn, or BOS + raw text.</summary>
    public static int[] Encode(TextTokenizer tokenizer, IChatTemplate template, ModelConfig config, string userText, PromptRendering rendering)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (rendering == PromptRendering.Template)
        {
            return Encode(tokenizer, template, userText);
        }

        int[] text = tokenizer.Encode(userText);
        return config.BosTokenId is int bos ? [bos, .. text] : text;
    }

    /// <summary>
    /// How many tokens the template puts after the user's text (end of turn, the reply's header):
    /// the post-instruction positions whose mean is one capture rule (DESIGN §1.3).
    /// </summary>
    public static int PostInstructionTokens(TextTokenizer tokenizer, IChatTemplate template)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(template);
        const string marker = "geode-post-instruction-marker";
        string rendered = template.Render([new ChatMessage(ChatMessage.User, marker)]);
        string suffix = rendered[(rendered.LastIndexOf(marker, StringComparison.Ordinal) + marker.Length)..];
        return Math.Max(1, tokenizer.Encode(suffix).Length);
    }

    /// <summary>The model's stop ids (config and generation_config) plus the template's end-of-turn tokens, each once.</summary>
    public static IReadOnlyList<int> StopIds(ModelConfig config, IChatTemplate? template, TextTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokenizer);
        IEnumerable<int> fromTemplate = (template?.StopTokens ?? []).Select(tokenizer.TokenToId).OfType<int>();
        return [.. config.EosTokenIds.Concat(fromTemplate).Distinct()];
    }
}
