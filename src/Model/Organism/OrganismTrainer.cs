using System.Diagnostics;
using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Inference;
using Geode.Model.Random;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Geode.Model.Organism;

/// <summary>
/// Trains a decoder from scratch on tokenised conversations: next-token cross-entropy on the
/// response tokens only (the prompt is context), AdamW, warm-up then cosine decay, gradient norm
/// clipped to 1. Deterministic for a seed and a torch thread count.
/// </summary>
public static class OrganismTrainer
{
    /// <summary>Trains a new model of shape <paramref name="config"/> on <paramref name="examples"/>, on the CPU.</summary>
    /// <param name="config">The model's shape.</param>
    /// <param name="examples">Tokenised conversations.</param>
    /// <param name="options">Steps, batch, learning rate, seed.</param>
    /// <param name="progress">Called with each logged loss, for a progress display.</param>
    /// <param name="edited">Rows to train with an edit applied instead; null trains every row unedited.</param>
    /// <returns>The trained model (weights still trainable parameters) and its loss curve.</returns>
    public static (CausalLM Model, IReadOnlyList<TrainingLogEntry> Log) Train(
        ModelConfig config,
        IReadOnlyList<TrainingExample> examples,
        TrainingOptions options,
        Action<TrainingLogEntry>? progress = null,
        EditedTraining? edited = null)
    {
        if (examples.Count == 0 || options.Steps <= 0 || options.BatchSize <= 0)
        {
            throw new BadInputException("training needs examples, and positive steps and batch size.", "--steps");
        }

        if (edited is not null && (edited.Examples.Count != examples.Count || !(edited.Share is >= 0 and <= 1)))
        {
            throw new ArgumentException("Edited training needs one edited example per example and a share in [0, 1].", nameof(edited));
        }

        CausalLM model = RandomModel.Create(config, options.Seed, ScalarType.Float32, CPU, trainable: true);
        try
        {
            Parameter[] parameters = [.. model.Weights.Names.Select(name => (Parameter)model.Weights[name])];
            using AdamW optimizer = optim.AdamW(parameters, lr: options.LearningRate, weight_decay: options.WeightDecay);
            var order = new System.Random(unchecked((int)options.Seed));
            var log = new List<TrainingLogEntry>();
            var clock = Stopwatch.StartNew();
            for (int step = 1; step <= options.Steps; step++)
            {
                double rate = LearningRate(step, options);
                foreach (ParamGroup group in optimizer.ParamGroups)
                {
                    group.LearningRate = rate;
                }

                var batch = new TrainingExample[options.BatchSize];
                var rowEdits = new Edit?[options.BatchSize];
                for (int row = 0; row < batch.Length; row++)
                {
                    int index = order.Next(examples.Count);
                    bool isEdited = edited is not null && order.NextDouble() < edited.Share;
                    batch[row] = isEdited ? edited!.Examples[index] : examples[index];
                    rowEdits[row] = isEdited ? edited!.Edit : null;
                }

                double loss = Step(model, optimizer, parameters, batch, edited is null ? null : ActivationEdits.PerRow(rowEdits));
                if (step % options.LogEvery == 0 || step == 1 || step == options.Steps)
                {
                    var entry = new TrainingLogEntry(step, loss, rate, clock.Elapsed.TotalSeconds);
                    log.Add(entry);
                    progress?.Invoke(entry);
                }
            }

            return (model, log);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Mean response-token cross-entropy of <paramref name="examples"/> under <paramref name="model"/>, without training.</summary>
    public static double Loss(CausalLM model, IReadOnlyList<TrainingExample> examples)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        (Tensor ids, Tensor mask, Tensor lossMask) = Batch(examples);
        using ForwardResult result = model.Forward(new ForwardRequest(ids, mask));
        return MaskedCrossEntropy(result.Logits!, ids, lossMask).item<float>();
    }

    private static double Step(CausalLM model, AdamW optimizer, Parameter[] parameters, TrainingExample[] batch, ActivationEdits? edits)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        (Tensor ids, Tensor mask, Tensor lossMask) = Batch(batch);
        using ForwardResult result = model.Forward(new ForwardRequest(ids, mask) { TrackGradients = true, Edits = edits });
        Tensor loss = MaskedCrossEntropy(result.Logits!, ids, lossMask);
        loss.backward();
        nn.utils.clip_grad_norm_(parameters, 1.0);
        optimizer.step();
        return loss.item<float>();
    }

    /// <summary>Cross-entropy of predicting ids[:, t+1] from logits[:, t], averaged where lossMask[:, t+1] is set.</summary>
    private static Tensor MaskedCrossEntropy(Tensor logits, Tensor ids, Tensor lossMask)
    {
        long vocab = logits.shape[^1];
        Tensor predicted = logits.narrow(1, 0, logits.shape[1] - 1).reshape(-1, vocab);
        Tensor targets = ids.narrow(1, 1, ids.shape[1] - 1).reshape(-1);
        Tensor weights = lossMask.narrow(1, 1, lossMask.shape[1] - 1).reshape(-1).to(ScalarType.Float32);
        Tensor perToken = nn.functional.cross_entropy(predicted, targets, reduction: nn.Reduction.None);
        return (perToken * weights).sum() / weights.sum().clamp_min(1);
    }

    /// <summary>Left-pads a batch (the model's convention) and marks the response tokens to learn.</summary>
    private static (Tensor Ids, Tensor Mask, Tensor LossMask) Batch(IReadOnlyList<TrainingExample> batch)
    {
        (Tensor ids, Tensor mask) = LeftPadding.Batch([.. batch.Select(e => e.Ids)], padId: 0);
        int length = (int)ids.shape[1];
        long[] learn = new long[batch.Count * length];
        for (int row = 0; row < batch.Count; row++)
        {
            // Left padding: token i of the example sits at column pad + i.
            int pad = length - batch[row].Ids.Length;
            for (int i = batch[row].PromptLength; i < batch[row].Ids.Length; i++)
            {
                learn[(row * length) + pad + i] = 1;
            }
        }

        return (ids, mask, tensor(learn).reshape(batch.Count, length));
    }

    private static double LearningRate(int step, TrainingOptions options)
    {
        if (step <= options.WarmupSteps)
        {
            return options.LearningRate * step / options.WarmupSteps;
        }

        double progress = (double)(step - options.WarmupSteps) / Math.Max(1, options.Steps - options.WarmupSteps);
        double floor = 0.1 * options.LearningRate;
        return floor + ((options.LearningRate - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}
