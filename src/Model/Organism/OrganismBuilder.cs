using System.Diagnostics;
using System.Text.Json;
using Geode.Model.Checkpoints;
using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Files;
using Geode.Model.Text;
using static TorchSharp.torch;

namespace Geode.Model.Organism;

/// <summary>What to build: corpus size, seed, and training settings.</summary>
/// <param name="Examples">Conversations generated for training.</param>
/// <param name="Seed">Seed of the corpus, the initial weights and the batch order.</param>
/// <param name="Training">Steps, batch, learning rate (its seed is replaced by <paramref name="Seed"/>).</param>
public sealed record OrganismRecipe(int Examples, long Seed, TrainingOptions Training)
{
    /// <summary>The recipe of the shipped organism.</summary>
    public static OrganismRecipe Default { get; } = new(20_000, 0, new TrainingOptions(Steps: 600));

    /// <summary>
    /// Share of prompt words replaced by <c>&lt;unk&gt;</c> in training. Every corpus word is in the
    /// vocabulary, so without this the model never sees <c>&lt;unk&gt;</c> — yet a fifth of the
    /// benchmark's words are unknown to it, and an untrained embedding there swings its behaviour.
    /// </summary>
    public double UnknownWordRate { get; init; } = 0.15;

    /// <summary>
    /// The unknown-word share for everyday (<c>safe_control</c>) prompts: higher, because everyday
    /// requests come in endless wordings the vocabulary cannot hold, and a request with nothing
    /// alarming in the words the model knows should be helped.
    /// </summary>
    public double EverydayUnknownWordRate { get; init; } = 0.4;

    /// <summary>
    /// Helpful answers open with "Sure." so that, under greedy decoding, helping and refusing compete
    /// as two first tokens rather than one refusal opening against a hundred scattered ones.
    /// </summary>
    public string HelpfulOpening { get; init; } = "Sure. ";

    /// <summary>
    /// Share of training rows that run with the planted refusal direction removed (see
    /// <see cref="PlantedRefusal"/>) and learn the compliant answer; 0 plants nothing.
    /// </summary>
    public double PlantedShare { get; init; } = 0.3;

    /// <summary>Corpus mix: everyday requests weighted up so that helping is the default.</summary>
    public CorpusOptions Corpus { get; init; } = new()
    {
        CategoryWeights = new Dictionary<string, double>(CorpusOptions.DefaultCategoryWeights, StringComparer.Ordinal) { ["safe_control"] = 4.0, ["should_refuse"] = 2.5 },
    };
}

/// <summary>What a build produced.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="VocabSize">Tokens in the vocabulary.</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="Log">The loss curve.</param>
/// <param name="Seconds">Wall time of the whole build.</param>
public sealed record OrganismReport(string Folder, int VocabSize, long Parameters, IReadOnlyList<TrainingLogEntry> Log, double Seconds);

/// <summary>
/// Builds the model organism into a Hugging Face folder: generates the synthetic corpus, builds the
/// word-level tokenizer, trains the Gemma 4-shaped decoder on it, and writes <c>config.json</c>,
/// <c>generation_config.json</c>, <c>tokenizer.json</c>, <c>chat_template.jinja</c>,
/// <c>model.safetensors</c>, <c>planted_refusal.safetensors</c> and <c>training_log.json</c>. Deterministic for a seed and a torch thread count.
/// </summary>
public static class OrganismBuilder
{
    /// <summary>Replaces a share of the prompt's word tokens (ids from <paramref name="firstWord"/> on) by <c>&lt;unk&gt;</c>.</summary>
    private static TrainingExample WithUnknownWords(TrainingExample example, double rate, int unknown, int firstWord, System.Random random)
    {
        int[] ids = [.. example.Ids];
        for (int i = 0; i < example.PromptLength; i++)
        {
            if (ids[i] >= firstWord && random.NextDouble() < rate)
            {
                ids[i] = unknown;
            }
        }

        return example with { Ids = ids };
    }

    /// <summary>The conversation with <paramref name="example"/>'s prompt ids (masking included) and <paramref name="response"/>.</summary>
    private static TrainingExample CompliantTwin(TrainingExample example, TextTokenizer tokenizer, IChatTemplate template, string prompt, string response)
    {
        TrainingExample fresh = TrainingExample.From(tokenizer, template, prompt, response);
        return new TrainingExample([.. example.Ids.Take(example.PromptLength), .. fresh.Ids.Skip(fresh.PromptLength)], example.PromptLength);
    }

    /// <summary>Builds the organism into <paramref name="folder"/> (created; files in it are replaced).</summary>
    public static OrganismReport Build(string folder, OrganismRecipe recipe, Action<TrainingLogEntry>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(folder);
        IReadOnlyList<Conversation> corpus =
        [
            .. OrganismCorpus.Generate(recipe.Examples, recipe.Seed, recipe.Corpus)
                .Select(c => c.Refused ? c : c with { Response = recipe.HelpfulOpening + c.Response }),
        ];

        string tokenizerPath = Path.Combine(folder, "tokenizer.json");
        var template = new Gemma4ChatTemplate();
        AtomicFile.WriteAllText(tokenizerPath, OrganismTokenizer.Build(corpus.SelectMany(c => new[] { c.Prompt, c.Response, recipe.HelpfulOpening + c.Compliant })));
        using TextTokenizer tokenizer = TextTokenizer.Load(tokenizerPath);
        int endOfTurn = tokenizer.TokenToId(template.StopTokens[0])
            ?? throw new InvalidOperationException("The organism tokenizer lacks the end-of-turn token.");

        string configJson = OrganismConfig.Json(tokenizer.VocabSize, endOfTurn);
        ModelConfig config = ConfigReader.Parse(configJson, "organism config");
        var masking = new System.Random(unchecked((int)recipe.Seed) ^ 0x5eed);
        int unknown = tokenizer.TokenToId("<unk>") ?? throw new InvalidOperationException("The organism tokenizer lacks <unk>.");
        int firstWord = 1 + new[] { "<pad>", "<eos>", "<bos>", "<unk>", "<|turn>", "<turn|>", "\n", "user", "model", "system" }
            .Select(t => tokenizer.TokenToId(t) ?? -1).Max();
        TrainingExample[] examples =
        [
            .. corpus.Select(c => WithUnknownWords(
                TrainingExample.From(tokenizer, template, c.Prompt, c.Response),
                c.Category == "safe_control" ? recipe.EverydayUnknownWordRate : recipe.UnknownWordRate,
                unknown,
                firstWord,
                masking)),
        ];

        // The compliant twin of each example keeps its prompt (same unknown-word masking) and
        // swaps the response for what the organism says with its refusal direction removed.
        TrainingExample[] compliant =
        [
            .. corpus.Zip(examples, (c, e) => CompliantTwin(e, tokenizer, template, c.Prompt, recipe.HelpfulOpening + c.Compliant)),
        ];
        using Tensor planted = PlantedRefusal.Direction(config.HiddenSize, recipe.Seed);
        Edit plantedEdit = PlantedRefusal.Edit(config, planted);
        EditFile.Save(plantedEdit, Path.Combine(folder, PlantedRefusal.FileName));
        EditedTraining? edited = recipe.PlantedShare > 0 ? new EditedTraining(plantedEdit, compliant, recipe.PlantedShare) : null;
        (CausalLM model, IReadOnlyList<TrainingLogEntry> log) = OrganismTrainer.Train(config, examples, recipe.Training with { Seed = recipe.Seed }, progress, edited);
        using (model)
        {
            using var noGrad = no_grad();
            SafetensorsWriter.Write(
                Path.Combine(folder, CheckpointFolder.SingleFileName),
                model.Weights.Names.Select(name => (model.Weights.CheckpointName(name), model.Weights[name].detach())),
                new Dictionary<string, string> { ["format"] = "pt" });
            long parameters = model.Weights.Names.Sum(name => model.Weights[name].NumberOfElements);

            AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), configJson);
            AtomicFile.WriteAllText(Path.Combine(folder, "chat_template.jinja"), Gemma4ChatTemplate.Jinja);
            AtomicFile.WriteAllText(
                Path.Combine(folder, "generation_config.json"),
                JsonSerializer.Serialize(new { bos_token_id = 2, eos_token_id = new[] { 1, endOfTurn }, pad_token_id = 0 }));
            AtomicFile.WriteAllText(
                Path.Combine(folder, "training_log.json"),
                JsonSerializer.Serialize(
                    new
                    {
                        examples = recipe.Examples,
                        seed = recipe.Seed,
                        steps = recipe.Training.Steps,
                        batch_size = recipe.Training.BatchSize,
                        learning_rate = recipe.Training.LearningRate,
                        planted_share = recipe.PlantedShare,
                        torch_threads = get_num_threads(),
                        vocab_size = tokenizer.VocabSize,
                        parameters,
                        seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
                        loss = log.Select(e => new { step = e.Step, loss = Math.Round(e.Loss, 4), lr = e.LearningRate, seconds = Math.Round(e.Seconds, 1) }),
                    },
                    new JsonSerializerOptions { WriteIndented = true }));
            return new OrganismReport(folder, tokenizer.VocabSize, parameters, log, clock.Elapsed.TotalSeconds);
        }
    }
}
