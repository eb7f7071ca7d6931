using System.CommandLine;
using System.Globalization;
using Geode.Model;
using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Inference;
using Geode.Model.Native;
using Geode.Model.Text;
using Geode.Model.Weights;
using static TorchSharp.torch;

namespace Geode.Client.Commands;

/// <summary>
/// <c>geode generate</c>: one chat completion. Renders the model type's chat template (or takes the
/// prompt as is with <c>--raw</c>), encodes it with the folder's <c>tokenizer.json</c>, generates
/// greedily (or samples, seeded, when <c>--temperature</c> is given) until a stop token, and prints the
/// new text without special tokens.
/// </summary>
internal static class GenerateCommand
{
    private const string TokenizerFileName = "tokenizer.json";

    public static Command Create()
    {
        var runtime = new RuntimeOptions();
        var model = new Option<string>("--model") { Description = "The checkpoint folder (config.json, model.safetensors, tokenizer.json).", HelpName = "DIR", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "The user's message (with --raw: the whole prompt text).", HelpName = "TEXT", Required = true };
        var system = new Option<string?>("--system") { Description = "A system message before the prompt.", HelpName = "TEXT" };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "The most tokens to generate.", DefaultValueFactory = _ => 128 };
        var temperature = new Option<double?>("--temperature") { Description = "Sample at this temperature instead of decoding greedily." };
        var topK = new Option<int?>("--top-k") { Description = "With --temperature: keep only the k most likely tokens (0: all)." };
        var topP = new Option<double?>("--top-p") { Description = "With --temperature: keep the smallest set of tokens whose probability reaches p (1: all)." };
        var seed = new Option<long?>("--seed") { Description = "With --temperature: the sampler's seed (default 0); the same seed gives the same text." };
        var edit = new EditOption("Generate with this edit applied to the writers' outputs (the model's weights stay as they are).", required: false);
        var raw = new Option<bool>("--raw") { Description = "Encode the prompt text as is, without the chat template (nor --system)." };
        var dtype = new DTypeOption("Dtype to run the model in (default: the checkpoint's).");
        var command = new Command("generate", "One chat completion from a checkpoint.");
        command.Add(model);
        command.Add(prompt);
        command.Add(system);
        command.Add(maxNewTokens);
        command.Add(temperature);
        command.Add(topK);
        command.Add(topP);
        command.Add(seed);
        command.Add(raw);
        edit.AddTo(command);
        dtype.AddTo(command);
        runtime.AddTo(command);
        command.SetAction(async (parsed, cancellation) =>
        {
            // Every input is checked before torch starts, so a typo costs milliseconds.
            int limit = parsed.GetValue(maxNewTokens);
            if (limit < 0)
            {
                throw new BadInputException($"--max-new-tokens: {limit} is negative; it must be 0 or more.", "--max-new-tokens");
            }

            SamplingOptions? sampling = Sampling(parsed.GetValue(temperature), parsed.GetValue(topK), parsed.GetValue(topP), parsed.GetValue(seed));
            ModelPrecision? type = dtype.Read(parsed);
            bool isRaw = parsed.GetValue(raw);
            string? systemText = parsed.GetValue(system);
            if (isRaw && systemText is not null)
            {
                throw new BadInputException("--system needs the chat template; it cannot be combined with --raw.", "--system");
            }

            string folder = parsed.GetValue(model)!;
            ModelConfig config = ModelFolder.Check(folder);
            Edit? loadedEdit = edit.Read(parsed);
            loadedEdit?.Validate(config);
            string tokenizerPath = Path.Combine(folder, TokenizerFileName);
            if (!File.Exists(tokenizerPath))
            {
                throw new BadInputException(
                    $"--model {folder}: {TokenizerFileName} is missing; generate needs the model's Hugging Face tokenizer beside its config.json.",
                    tokenizerPath);
            }

            // --raw still stops on the template's end-of-turn tokens when the model type has a template.
            IChatTemplate? template = isRaw ? TemplateOrNull(config.ModelType) : ChatTemplates.ForModelType(config.ModelType);
            string text = isRaw ? parsed.GetValue(prompt)! : template!.Render(Conversation(systemText, parsed.GetValue(prompt)!));
            using TextTokenizer tokenizer = TextTokenizer.Load(tokenizerPath);
            int[] ids = Encode(tokenizer, text, config, tokenizerPath);
            IReadOnlyList<int> stops = ChatPrompt.StopIds(config, template, tokenizer);

            TorchRuntimeInfo info = TorchRuntime.Initialize(runtime.Read(parsed));
            using CausalLM lm = ModelLoader.Load(folder, LoadOptions.For(type, ModelFolder.DeviceOf(info.Device)));
            var options = new GenerationOptions(limit)
            {
                StopIds = stops,
                Sampling = sampling,
                Edits = loadedEdit is null ? null : ActivationEdits.ForAllRows(loadedEdit),
            };
            string completion = Complete(lm, tokenizer, ids, options);
            await parsed.InvocationConfiguration.Output.WriteLineAsync(completion);
            return GeodeCli.Ok;
        });
        return command;
    }

    /// <summary>Generates from one encoded prompt and decodes the new tokens, special tokens skipped.</summary>
    internal static string Complete(CausalLM model, TextTokenizer tokenizer, int[] promptIds, GenerationOptions options)
    {
        using var scope = NewDisposeScope();
        Tensor input = tensor(Array.ConvertAll(promptIds, id => (long)id), dtype: ScalarType.Int64).unsqueeze(0);
        GenerationResult result = TextGenerator.Generate(model, input, ones_like(input), options);
        return tokenizer.Decode(result.Tokens[0], skipSpecialTokens: true);
    }

    private static SamplingOptions? Sampling(double? temperature, int? topK, double? topP, long? seed)
    {
        if (temperature is null)
        {
            string? orphan = topK is not null ? "--top-k" : topP is not null ? "--top-p" : seed is not null ? "--seed" : null;
            return orphan is null
                ? null
                : throw new BadInputException($"{orphan} applies to sampling; add --temperature T to sample (without it, generation is greedy).", orphan);
        }

        if (!double.IsFinite(temperature.Value) || temperature <= 0)
        {
            throw new BadInputException($"--temperature: {Invariant(temperature.Value)} is not positive; omit it for greedy decoding.", "--temperature");
        }

        if (topK < 0)
        {
            throw new BadInputException($"--top-k: {topK} is negative; use 0 to keep every token.", "--top-k");
        }

        if (topP is double p && !(p > 0 && p <= 1))
        {
            throw new BadInputException($"--top-p: {Invariant(p)} is outside (0, 1].", "--top-p");
        }

        return new SamplingOptions(temperature.Value, topK ?? 0, topP ?? 1.0, seed ?? 0);
    }

    private static ChatMessage[] Conversation(string? system, string prompt) => system is null
        ? [new ChatMessage(ChatMessage.User, prompt)]
        : [new ChatMessage(ChatMessage.System, system), new ChatMessage(ChatMessage.User, prompt)];

    private static IChatTemplate? TemplateOrNull(string modelType)
    {
        try
        {
            return ChatTemplates.ForModelType(modelType);
        }
        catch (BadInputException)
        {
            return null;
        }
    }

    private static int[] Encode(TextTokenizer tokenizer, string text, ModelConfig config, string tokenizerPath)
    {
        // Rendered templates carry their own <bos>; raw text is encoded exactly as given.
        int[] ids = tokenizer.Encode(text, addSpecialTokens: false);
        if (ids.Length == 0)
        {
            throw new BadInputException("--prompt: the prompt encodes to no tokens; give some text.", "--prompt");
        }

        int outside = ids.FirstOrDefault(id => id >= config.VocabSize, -1);
        if (outside >= 0)
        {
            throw new BadInputException(
                $"{tokenizerPath}: token id {outside} is outside the model's vocabulary (vocab_size {config.VocabSize}); the tokenizer does not belong to this model.",
                tokenizerPath,
                "model.vocab");
        }

        return ids;
    }

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
