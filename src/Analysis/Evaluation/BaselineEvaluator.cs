using Geode.Analysis.Judges;
using Geode.Analysis.Measures;
using Geode.Analysis.Prompts;
using Geode.Model;
using Geode.Model.Edits;
using Geode.Model.Inference;
using Geode.Model.Text;
using static TorchSharp.torch;

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
        if (judges.Count == 0)
        {
            throw new BadInputException("a baseline needs at least one judge.", "--judges");
        }

        HashSet<int> stops = [.. model.Config.EosTokenIds];
        foreach (string token in template.StopTokens)
        {
            if (tokenizer.TokenToId(token) is int id)
            {
                stops.Add(id);
            }
        }

        var generation = new GenerationOptions(options.MaxNewTokens)
        {
            StopIds = [.. stops],
            Edits = options.Edit is null ? null : ActivationEdits.ForAllRows(options.Edit),
        };
        var responses = new List<ResponseRecord>(prompts.Records.Count);
        foreach (PromptRecord[] batch in prompts.Records.Chunk(options.BatchSize))
        {
            int[][] encoded = [.. batch.Select(r => tokenizer.Encode(template.Render([new ChatMessage(ChatMessage.User, r.Prompt)])))];
            GenerationResult result;
            using (NewDisposeScope())
            {
                (Tensor ids, Tensor mask) = LeftPadding.Batch(encoded, model.Config.PadTokenId);
                result = TextGenerator.Generate(model, ids, mask, generation);
            }

            for (int row = 0; row < batch.Length; row++)
            {
                int[] tokens = result.Tokens[row];
                string text = tokenizer.Decode(tokens, skipSpecialTokens: true).Trim();
                JudgeVerdict[] verdicts = [.. judges.Select(j => j.Judge(batch[row].Prompt, text))];
                responses.Add(new ResponseRecord(batch[row], text, tokens.Length, verdicts));
            }

            progress?.Invoke(responses.Count);
        }

        CategoryRefusal[] byCategory =
        [
            .. prompts.Categories.Select(category =>
            {
                bool[] refused = [.. responses.Where(r => r.Record.Category == category).Select(r => r.Verdicts[0].Refused)];
                return new CategoryRefusal(category, refused.Count(x => x), BootstrapInterval.ForRate(refused, seed: options.Seed));
            }),
        ];
        return new BaselineResult(responses, byCategory, $"{judges[0].Name} {judges[0].Version}");
    }
}
