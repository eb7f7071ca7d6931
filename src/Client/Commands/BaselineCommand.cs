using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Model;
using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Files;
using Geode.Model.Native;
using Geode.Model.Text;
using Geode.Model.Weights;

namespace Geode.Client.Commands;

/// <summary>
/// <c>geode baseline</c>: the model's behaviour on a prompt set — greedy responses through the
/// chat template, judged, refusal per category with 95% bootstrap intervals (DESIGN §1.2).
/// </summary>
internal static class BaselineCommand
{
    public static Command Create()
    {
        var runtime = new RuntimeOptions();
        var dtype = new DTypeOption("The dtype to run in (default: the checkpoint's).");
        var edit = new EditOption("Run with this edit applied to the writers' outputs.", required: false);
        var model = new Option<string>("--model") { Description = "The checkpoint folder (with tokenizer.json).", HelpName = "DIR", Required = true };
        var prompts = new Option<string?>("--prompts") { Description = $"A prompt set (JSON, JSONL or CSV in the study's fields; default: the built-in {PromptSet.BuiltinName}).", HelpName = "FILE" };
        var judges = new Option<string>("--judges") { Description = "Judges, comma-separated; the first gives the rates.", DefaultValueFactory = _ => "regex,keyword" };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Tokens generated per response.", DefaultValueFactory = _ => 128 };
        var batch = new Option<int>("--batch") { Description = "Prompts generated together.", DefaultValueFactory = _ => 32 };
        var records = new Option<string?>("--records") { Description = "Also write every response and verdict to this JSONL file.", HelpName = "FILE" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var earlyStop = new Option<bool>("--early-stop") { Description = "Stop a response once every judge's verdict on it is settled (same verdicts, shorter text)." };
        var horizon = new Option<int?>("--judge-horizon") { Description = "Judges read only this many leading characters of each response.", HelpName = "N" };
        var intoWeights = new Option<bool>("--edit-into-weights")
        {
            Description = "Apply --edit to the weights themselves instead of the writers' outputs (on an int8 model: dequantise, edit, requantise, as an in-place int8 edit does).",
        };
        var command = new Command("baseline", "Refusal per category on a prompt set: generate, judge, bootstrap intervals.");
        foreach (Option option in new Option[] { model, prompts, judges, maxNewTokens, batch, records, json, earlyStop, horizon, intoWeights })
        {
            command.Add(option);
        }

        edit.AddTo(command);
        dtype.AddTo(command);
        runtime.AddTo(command);
        command.SetAction(async (parsed, cancellation) =>
        {
            // Check every input before torch starts.
            string folder = parsed.GetValue(model)!;
            ModelConfig config = ModelFolder.Check(folder);
            string? promptPath = parsed.GetValue(prompts);
            PromptSet set = promptPath is null ? PromptSet.Builtin() : PromptSet.Load(promptPath);
            int? characters = parsed.GetValue(horizon);
            if (characters is < 1)
            {
                throw new BadInputException($"--judge-horizon must be at least 1 (got {characters}).", "--judge-horizon");
            }

            IReadOnlyList<IResponseJudge> panel = JudgeRegistry.CreateResponseJudges(parsed.GetValue(judges)!.Split(','), "--judges", characters);
            Edit? loadedEdit = edit.Read(parsed);
            loadedEdit?.Validate(config);
            bool weightEdit = parsed.GetValue(intoWeights);
            if (weightEdit && loadedEdit is null)
            {
                throw new BadInputException("--edit-into-weights needs an edit: give --edit EDIT.", "--edit-into-weights");
            }

            int limit = parsed.GetValue(maxNewTokens), size = parsed.GetValue(batch);
            if (limit < 1 || size < 1)
            {
                throw new BadInputException($"--max-new-tokens and --batch must be positive (got {limit}, {size}).", "--max-new-tokens");
            }

            string tokenizerPath = Path.Combine(folder, "tokenizer.json");
            if (!File.Exists(tokenizerPath))
            {
                throw new BadInputException($"--model {folder}: tokenizer.json is missing; a baseline needs the model's tokenizer.", tokenizerPath);
            }

            IChatTemplate template = ChatTemplates.ForModelType(config.ModelType);
            using TextTokenizer tokenizer = TextTokenizer.Load(tokenizerPath);
            TorchRuntimeInfo info = TorchRuntime.Initialize(runtime.Read(parsed));
            using CausalLM lm = ModelLoader.Load(folder, LoadOptions.For(dtype.Read(parsed), ModelFolder.DeviceOf(info.Device)));
            TextWriter error = parsed.InvocationConfiguration.Error;
            if (weightEdit)
            {
                lm.ApplyToWeights(loadedEdit!);
            }

            BaselineResult result = BaselineEvaluator.Run(
                lm, tokenizer, template, set, panel, new BaselineOptions(limit, size) { Edit = weightEdit ? null : loadedEdit, EarlyStop = parsed.GetValue(earlyStop) },
                done => error.Write($"\rgeode: {done}/{set.Records.Count} prompts"));
            await error.WriteLineAsync();

            string? recordPath = parsed.GetValue(records);
            if (recordPath is not null)
            {
                await AtomicFile.WriteAllTextAsync(recordPath, string.Concat(result.Responses.Select(r => JsonSerializer.Serialize(new
                {
                    id = r.Record.Id,
                    category = r.Record.Category,
                    expected = r.Record.Expected.ToString().ToLowerInvariant(),
                    prompt = r.Record.Prompt,
                    response = r.Response,
                    tokens = r.Tokens,
                    settled = r.Settled,
                    verdicts = r.Verdicts.Select(v => new { judge = v.Judge, version = v.Version, refused = v.Refused, score = v.Score }),
                }) + "\n")), cancellation);
            }

            TextWriter output = parsed.InvocationConfiguration.Output;
            if (parsed.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    model = folder,
                    prompt_set = set.ContentHash,
                    judge = result.Judge,
                    max_new_tokens = limit,
                    tokens_generated = result.Responses.Sum(r => (long)r.Tokens),
                    settled_early = result.Responses.Count(r => r.Settled),
                    edit = loadedEdit?.Name,
                    edit_applied_to = loadedEdit is null ? null : weightEdit ? "weights" : "outputs",
                    dtype = ModelDTypes.NameOf(lm.Precision),
                    categories = result.ByCategory.Select(c => new
                    {
                        category = c.Category,
                        n = c.Interval.N,
                        refused = c.Refused,
                        rate = c.Interval.Rate,
                        ci = new[] { c.Interval.Lower, c.Interval.Upper },
                    }),
                }));
            }
            else
            {
                await output.WriteLineAsync($"judge {result.Judge}, {limit} new tokens, prompt set {set.ContentHash[..12]}{(loadedEdit is null ? string.Empty : $", edit '{loadedEdit.Name}' applied to the {(weightEdit ? "weights" : "writers' outputs")}")}, {ModelDTypes.NameOf(lm.Precision)}");
                await output.WriteLineAsync($"{result.Responses.Sum(r => (long)r.Tokens)} tokens generated; {result.Responses.Count(r => r.Settled)} responses stopped early with their verdicts settled");
                await output.WriteLineAsync($"{"category",-22}{"n",5}{"refused",9}{"rate",8}  95% CI");
                foreach (CategoryRefusal c in result.ByCategory)
                {
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"{c.Category,-22}{c.Interval.N,5}{c.Refused,9}{c.Interval.Rate,8:P0}  [{c.Interval.Lower:P0}, {c.Interval.Upper:P0}]"));
                }
            }

            return GeodeCli.Ok;
        });
        return command;
    }
}
