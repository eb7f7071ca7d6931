using Geode.Model.Edits;

namespace Geode.Analysis.Evaluation;

/// <summary>How to run a behavioural baseline.</summary>
/// <param name="MaxNewTokens">Tokens generated per response (DESIGN §1.2: short generations hide late refusals).</param>
/// <param name="BatchSize">Prompts generated together.</param>
public sealed record BaselineOptions(int MaxNewTokens = 128, int BatchSize = 32)
{
    /// <summary>An edit to run with (activation space), or null for the model as loaded.</summary>
    public Edit? Edit { get; init; }

    /// <summary>Seed of the bootstrap intervals.</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// Stop a row's generation as soon as every judge's verdict on it is settled (every judge is an
    /// <see cref="Geode.Analysis.Judges.ISettlingJudge"/> and says so): the verdicts are those of the
    /// full-length response, the stored text is shorter. Off when any judge cannot settle.
    /// </summary>
    public bool EarlyStop { get; init; }

    /// <summary>
    /// Choose the batch size by measured throughput (<see cref="BatchSizer"/>), starting from
    /// <see cref="BatchSize"/>; off keeps <see cref="BatchSize"/> throughout.
    /// </summary>
    public bool AutoBatch { get; init; }

    /// <summary>
    /// Batches generated side by side, each on its own thread with its share of the CPU threads
    /// (<see cref="Geode.Model.Inference.ParallelTorchWork"/>); null: as many as libtorch's CPU
    /// threads on a CPU, one on an accelerator. Never more than there are batches of work.
    /// </summary>
    public int? ParallelBatches { get; init; }
}
