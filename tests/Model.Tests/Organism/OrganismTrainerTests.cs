using Geode.Model.Config;
using Geode.Model.Native;
using Geode.Model.Organism;
using Geode.Model.Random;

namespace Geode.Model.Tests.Organism;

public sealed class OrganismTrainerTests
{
    public OrganismTrainerTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    /// <summary>A learnable toy task: the response repeats the prompt's three content tokens.</summary>
    private static List<TrainingExample> CopyTask(int count, int seed)
    {
        var random = new System.Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            int a = random.Next(10, 60), b = random.Next(10, 60), c = random.Next(10, 60);
            return new TrainingExample([2, 5, a, b, c, 6, a, b, c, 1], PromptLength: 6);
        })];
    }

    [Fact]
    public void A_few_dozen_steps_lower_the_loss_on_held_out_examples()
    {
        ModelConfig config = RandomConfigs.Get("gemma4-tiny");
        List<TrainingExample> train = CopyTask(512, 1), heldOut = CopyTask(64, 2);
        using CausalLM untrained = RandomModel.Create(config, seed: 3, TorchSharp.torch.ScalarType.Float32, TorchSharp.torch.CPU);
        double before = OrganismTrainer.Loss(untrained, heldOut);

        (CausalLM model, IReadOnlyList<TrainingLogEntry> log) = OrganismTrainer.Train(
            config, train, new TrainingOptions(Steps: 40, BatchSize: 32, LearningRate: 1e-2, WarmupSteps: 5, Seed: 3, LogEvery: 10));
        using (model)
        {
            double after = OrganismTrainer.Loss(model, heldOut);

            Assert.True(after < 0.7 * before, $"held-out loss {before:F3} → {after:F3}");
            Assert.True(log[^1].Loss < log[0].Loss, $"training loss {log[0].Loss:F3} → {log[^1].Loss:F3}");
            Assert.Equal([1, 10, 20, 30, 40], log.Select(e => e.Step));
        }
    }

    [Fact]
    public void The_same_seed_trains_the_same_weights()
    {
        ModelConfig config = RandomConfigs.Get("gemma4-tiny");
        List<TrainingExample> train = CopyTask(128, 4);
        var options = new TrainingOptions(Steps: 6, BatchSize: 16, Seed: 9, WarmupSteps: 2);

        (CausalLM first, _) = OrganismTrainer.Train(config, train, options);
        (CausalLM second, _) = OrganismTrainer.Train(config, train, options);
        using (first)
        using (second)
        {
            foreach (string name in first.Weights.Names)
            {
                Assert.True(first.Weights[name].equal(second.Weights[name]).all().item<bool>(), name);
            }
        }
    }
}
