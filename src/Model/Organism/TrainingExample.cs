using Geode.Model.Text;

namespace Geode.Model.Organism;

/// <summary>One tokenised conversation: the rendered prompt followed by the response and the end of turn.</summary>
/// <param name="Ids">Token ids of prompt, response and end-of-turn token.</param>
/// <param name="PromptLength">How many leading ids are the prompt (no loss is taken on them).</param>
public sealed record TrainingExample(int[] Ids, int PromptLength)
{
    /// <summary>
    /// Renders <paramref name="prompt"/> with the chat template (generation prompt on), appends the
    /// response and the template's end-of-turn token, and tokenises both halves.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tokenizer does not split the text at the prompt boundary.</exception>
    public static TrainingExample From(TextTokenizer tokenizer, IChatTemplate template, string prompt, string response)
    {
        string rendered = template.Render([new ChatMessage(ChatMessage.User, prompt)]);
        int[] promptIds = tokenizer.Encode(rendered);
        int[] ids = tokenizer.Encode(rendered + response + template.StopTokens[0]);
        if (ids.Length <= promptIds.Length || !ids.AsSpan(0, promptIds.Length).SequenceEqual(promptIds))
        {
            throw new InvalidOperationException($"The tokenizer does not keep the prompt '{prompt}' as a prefix of the conversation.");
        }

        return new TrainingExample(ids, promptIds.Length);
    }
}
