namespace Geode.Model.Organism;

/// <summary>How to train the organism.</summary>
/// <param name="Steps">Optimiser steps.</param>
/// <param name="BatchSize">Conversations per step.</param>
/// <param name="LearningRate">Peak AdamW learning rate (linear warm-up, then cosine decay to a tenth).</param>
/// <param name="WeightDecay">AdamW weight decay.</param>
/// <param name="WarmupSteps">Steps of linear warm-up.</param>
/// <param name="Seed">Seed of the initial weights and of the batch order.</param>
/// <param name="LogEvery">Record the loss every this many steps.</param>
public sealed record TrainingOptions(
    int Steps = 1200,
    int BatchSize = 64,
    double LearningRate = 3e-3,
    double WeightDecay = 0.01,
    int WarmupSteps = 50,
    long Seed = 0,
    int LogEvery = 25);

/// <summary>One point of the loss curve.</summary>
/// <param name="Step">The step (1-based).</param>
/// <param name="Loss">Mean cross-entropy over response tokens of that step's batch.</param>
/// <param name="LearningRate">The learning rate used.</param>
/// <param name="Seconds">Wall time since training started.</param>
public sealed record TrainingLogEntry(int Step, double Loss, double LearningRate, double Seconds);
