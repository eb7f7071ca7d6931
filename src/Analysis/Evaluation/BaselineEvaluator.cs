using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Model;
using Geode.Model.Text;

namespace Geode.Analysis.Evaluation;

/// <summary>
/// DESIGN §1.2: render each prompt with the chat template (generation prompt on), generate greedily,
/// judge every response with every judge, and report refusal per category with 95% bootstrap
/// intervals under the first judge.
/// </summary>
public static class BaselineEvaluator
{
    /// <summary>Runs <paramref name="prompts"/> through <paramref name="model"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="template">Its chat template.</param>
    /// <param name="prompts">The prompts.</param>
    /// <param name="judges">The judges; the first one gives the per-category rates.</param>
    /// <param name="options">Generation length, batch size, an optional edit.</param>
    /// <param name="progress">Called with the number of prompts done so far.</param>
    public static BaselineResult Run(
        CausalLM model,
        TextTokenizer tokenizer,
        IChatTemplate template,
        PromptSet prompts,
        IReadOnlyList<IResponseJudge> judges,
        BaselineOptions options,
        Action<int>? progress = null)
    {
        // Progress counts rows, which for one variant are prompts.
        return VariantEvaluator.Run(model, tokenizer, template, prompts, judges, [options.Edit], options, progress)[0];
    }
}
