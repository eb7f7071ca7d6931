namespace Geode.Model.Config;

/// <summary>The decoder families Geode implements; each <c>model_type</c> maps to one.</summary>
public enum ModelFamily
{
    /// <summary>Gemma 4 text decoder (<c>gemma4</c>, <c>gemma4_text</c>).</summary>
    Gemma4,

    /// <summary>Gemma 3 text decoder (<c>gemma3</c>, <c>gemma3_text</c>).</summary>
    Gemma3,

    /// <summary>Llama-style pre-norm decoders (<c>llama</c>, <c>qwen2</c>, <c>mistral</c>).</summary>
    Llama,
}
