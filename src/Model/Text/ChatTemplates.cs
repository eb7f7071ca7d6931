namespace Geode.Model.Text;

/// <summary>Finds the chat template for a checkpoint's <c>model_type</c> or for a template name.</summary>
public static class ChatTemplates
{
    private static readonly IChatTemplate Gemma4 = new Gemma4ChatTemplate();
    private static readonly IChatTemplate Gemma3 = new Gemma3ChatTemplate();
    private static readonly IChatTemplate Llama3 = new Llama3ChatTemplate();
    private static readonly IChatTemplate ChatMl = new ChatMlTemplate();

    private static readonly Dictionary<string, IChatTemplate> ByModelType = new(StringComparer.Ordinal)
    {
        ["gemma4"] = Gemma4,
        ["gemma4_text"] = Gemma4,
        ["gemma3"] = Gemma3,
        ["gemma3_text"] = Gemma3,
        ["llama"] = Llama3,
        ["qwen2"] = ChatMl,
    };

    private static readonly Dictionary<string, IChatTemplate> ByTemplateName =
        new[] { Gemma4, Gemma3, Llama3, ChatMl }.ToDictionary(template => template.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The names <see cref="ByName"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. ByTemplateName.Keys];

    /// <summary>The template for a Hugging Face <c>config.json</c> <c>model_type</c>.</summary>
    /// <param name="modelType">E.g. <c>gemma4</c>, <c>gemma3_text</c>, <c>llama</c>, <c>qwen2</c>.</param>
    /// <exception cref="BadInputException">No template is known for that model type.</exception>
    public static IChatTemplate ForModelType(string modelType)
    {
        ArgumentNullException.ThrowIfNull(modelType);
        if (ByModelType.TryGetValue(modelType, out IChatTemplate? template))
        {
            return template;
        }

        // Mistral's [INST] format differs between its tokenizer versions (V1, V3, Tekken) in where the
        // spaces and the system prompt go; guessing one would silently skew every prompt.
        string why = modelType == "mistral" ? " Mistral's [INST] templates are not implemented yet." : string.Empty;
        throw new BadInputException(
            $"model_type '{modelType}' has no chat template in Geode.{why} Supported model types: " +
            $"{string.Join(", ", ByModelType.Keys)}. Name a template instead ({string.Join(", ", Names)}) if the model uses one of them.",
            field: "model_type");
    }

    /// <summary>A template by its <see cref="IChatTemplate.Name"/>, ignoring case.</summary>
    /// <exception cref="BadInputException">No template has that name.</exception>
    public static IChatTemplate ByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ByTemplateName.TryGetValue(name, out IChatTemplate? template)
            ? template
            : throw new BadInputException(
                $"'{name}' is not a chat template. Known templates: {string.Join(", ", Names)}.", field: "chat template");
    }
}
