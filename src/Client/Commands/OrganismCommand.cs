using System.CommandLine;
using System.Globalization;
using Geode.Model;
using Geode.Model.Native;
using Geode.Model.Organism;

namespace Geode.Client.Commands;

/// <summary><c>geode organism train</c>: reproduces the model organism from its recipe.</summary>
internal static class OrganismCommand
{
    public static Command Create()
    {
        var organism = new Command("organism", "The model organism Geode trains and ships.");
        organism.Add(CreateTrain());
        return organism;
    }

    private static Command CreateTrain()
    {
        OrganismRecipe defaults = OrganismRecipe.Default;
        var output = new Option<string>("--out") { Description = "The folder to write the organism into.", HelpName = "DIR", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed of the corpus, the initial weights and the batch order.", DefaultValueFactory = _ => defaults.Seed };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps.", DefaultValueFactory = _ => defaults.Training.Steps };
        var examples = new Option<int>("--examples") { Description = "Synthetic conversations to generate.", DefaultValueFactory = _ => defaults.Examples };
        var threads = new Option<int>("--threads") { Description = "Torch CPU threads (results are reproducible for a given count).", DefaultValueFactory = _ => 2 };
        var command = new Command("train", "Generate the synthetic corpus, build the tokenizer and train the organism (deterministic for a seed and thread count).");
        foreach (Option option in new Option[] { output, seed, steps, examples, threads })
        {
            command.Add(option);
        }

        command.SetAction(async (parsed, cancellation) =>
        {
            int stepCount = parsed.GetValue(steps), exampleCount = parsed.GetValue(examples), threadCount = parsed.GetValue(threads);
            if (stepCount < 1 || exampleCount < 1 || threadCount < 1)
            {
                throw new BadInputException($"--steps, --examples and --threads must be positive (got {stepCount}, {exampleCount}, {threadCount}).", "--steps");
            }

            TorchRuntime.Initialize(TorchRuntimeOptions.Default with { Threads = threadCount });
            TextWriter error = parsed.InvocationConfiguration.Error;
            var recipe = new OrganismRecipe(exampleCount, parsed.GetValue(seed), defaults.Training with { Steps = stepCount });
            OrganismReport report = OrganismBuilder.Build(
                parsed.GetValue(output)!,
                recipe,
                entry => error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"geode: step {entry.Step}/{stepCount} loss {entry.Loss:F4} lr {entry.LearningRate:E2} ({entry.Seconds:F0} s)")));
            await parsed.InvocationConfiguration.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"wrote {report.Folder}: {report.Parameters:N0} parameters, vocabulary {report.VocabSize}, final loss {report.Log[^1].Loss:F4}, {report.Seconds:F0} s"));
            return GeodeCli.Ok;
        });
        return command;
    }
}
