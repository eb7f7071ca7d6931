using Geode.Analysis.Evaluation;
using Geode.Analysis.Prompts;
using Geode.Analysis.Statistics;
using Geode.Model;
using Geode.Model.Text;
using static TorchSharp.torch;

namespace Geode.Campaigns.Execution;

/// <summary>
/// The work of one prompt shard on a loaded model (DESIGN §3): generate and judge (baseline), or
/// capture residuals at the campaign's position. A shard is one batch, so its numbers do not depend
/// on which silo ran it or what ran beside it.
/// </summary>
public static class ShardJobs
{
    /// <summary>The prompts a shard job runs over: the baseline's for <c>generate</c>, all of them for <c>capture</c>.</summary>
    public static PromptSet PromptsOf(CampaignWorkspace workspace, string job)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        return job switch
        {
            "generate" => workspace.BaselinePrompts,
            "capture" => workspace.Prompts,
            _ => throw new ArgumentException($"'{job}' is not a shard job.", nameof(job)),
        };
    }

    /// <summary>
    /// Generates and judges prompts [start, start + count) of the baseline set, unedited. A prompt
    /// that throws alone is in the result's <see cref="BaselineResult.Failed"/>, indexed within the slice.
    /// </summary>
    public static BaselineResult Generate(CausalLM model, TextTokenizer tokenizer, IChatTemplate template, CampaignWorkspace workspace, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        PromptSet slice = CampaignWorkspace.Slice(workspace.BaselinePrompts, start, count);
        return VariantEvaluator.Run(model, tokenizer, template, slice, workspace.Judges, [null], workspace.Options with { BatchSize = Math.Max(count, 1) })[0];
    }

    /// <summary>Captures [L+1, count, H] float32 for prompts [start, start + count) of the whole set, and how many tokens were read.</summary>
    public static (Tensor Activations, long Tokens) Capture(CausalLM model, TextTokenizer tokenizer, IChatTemplate template, CampaignWorkspace workspace, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(model);
        CaptureStage stage = workspace.Campaign.Stages.Capture ?? new CaptureStage("last", "template");
        PromptRendering rendering = RenderingOf(stage);
        string[] prompts = [.. CampaignWorkspace.Slice(workspace.Prompts, start, count).Records.Select(r => r.Prompt)];
        long tokens = prompts.Sum(p => (long)ChatPrompt.Encode(tokenizer, template, model.Config, p, rendering).Length);
        Tensor activations = PromptActivations.Capture(model, tokenizer, template, prompts, Math.Max(count, 1), rendering: rendering, point: stage.Position == "mean" ? CapturePoint.Mean : CapturePoint.Last);
        return (activations, tokens);
    }

    /// <summary>
    /// Per stream, the statistics of a captured shard (<paramref name="activations"/> [L+1, n, H] for
    /// prompts <paramref name="start"/>.. of the whole set) by class and category, as bytes a layer
    /// aggregator merges.
    /// </summary>
    public static IReadOnlyList<byte[]> PartialStatistics(CampaignWorkspace workspace, int start, Tensor activations)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(activations);
        PromptRecord[] records = [.. workspace.Prompts.Records.Skip(start).Take((int)activations.shape[1])];
        string[] classes = [.. records.Select(r => r.Expected == ExpectedBehavior.Refuse ? "refuse" : "comply")];
        string[] categories = [.. records.Select(r => r.Category)];
        var partials = new byte[activations.shape[0]][];
        for (int l = 0; l < partials.Length; l++)
        {
            using var scope = NewDisposeScope();
            var statistics = new ActivationStatistics(1, (int)activations.shape[2]);
            statistics.Add([activations[l]], classes, categories);
            partials[l] = statistics.ToBytes();
        }

        return partials;
    }

    /// <summary>The capture stage's rendering.</summary>
    public static PromptRendering RenderingOf(CaptureStage stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        return stage.Input == "raw" ? PromptRendering.Raw : PromptRendering.Template;
    }
}
