using Geode.Model.Edits;
using Geode.Model.Inference;
using Geode.Model.Tests.Edits;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Inference;

public sealed class PrefillSharingTests(ITestOutputHelper output)
{
    private const string Fixture = "gemma4-tiny-b";

    [Fact]
    public void Rows_share_a_unit_per_prompt_until_their_edit_begins()
    {
        // Two prompts × four variants: unedited, edited from layer 5, from 3, from 4.
        int[] forks = [int.MaxValue, 5, 3, 4, int.MaxValue, 5, 3, 4];
        long[] rowMajor = [.. Enumerable.Range(0, 8).SelectMany(r => new[] { r < 4 ? 1L : 7L, r < 4 ? 2L : 8L })];
        PrefillSharing plan = PrefillSharing.Plan(rowMajor, rows: 8, steps: 2, forks, layers: 6)!;

        Assert.NotNull(plan);
        Assert.Equal([0L, 4L], plan.InitialRows);
        Assert.Equal([2, 2, 2, 4, 6, 8], Enumerable.Range(0, 6).Select(l => plan.RowOfUnit(l).Length));

        // Layer 3: rows 2 and 6 fork from their prompt's shared unit; the shared units go on.
        Assert.Equal([2L, 6L, 0L, 4L], plan.RowOfUnit(3));
        Assert.Equal([0L, 1L, 0L, 1L], plan.SourceUnit(3));
        Assert.Equal([2L, 2L, 0L, 2L, 3L, 3L, 1L, 3L], plan.UnitOfRow(3));
        Assert.True(plan.SameAsBefore(1));
        Assert.False(plan.SameAsBefore(3));
    }

    [Fact]
    public void Nothing_is_shared_when_every_edit_starts_at_the_first_layer()
    {
        long[] rowMajor = [1, 2, 1, 2, 1, 2];
        Assert.Null(PrefillSharing.Plan(rowMajor, rows: 3, steps: 2, [0, 0, 0], layers: 6));
    }

    [Fact]
    public void A_shared_prefill_gives_every_row_what_it_gets_alone()
    {
        // Variants of two prompts whose edits start late (layers 3–5, inside and outside Gemma 4's
        // KV-shared tail) share the early layers; logits at every position and the greedy tokens
        // after the cached prefill must match each row run alone.
        using var scope = NewDisposeScope();
        using CausalLM model = EditFixtures.Load(Fixture);
        long hidden = model.Config.HiddenSize;
        (Tensor ids, Tensor mask) = EditFixtures.Inputs(Fixture);
        WriterKind[] writers = [WriterKind.AttentionOutput, WriterKind.MlpOutput];
        Tensor direction = EditFixtures.RandomBasis(hidden, 1, 51);
        Edit?[] variants =
        [
            null,
            new([new EditPart([5], writers, direction, 12.0, EditVariant.Projection, PostNormAware: false)], "5"),
            new([new EditPart([3, 4, 5], writers, direction, 8.0, EditVariant.Projection, PostNormAware: false)], "3-5"),
            new([new EditPart([4], [WriterKind.MlpOutput], EditFixtures.RandomBasis(hidden, 2, 52), 2.0, EditVariant.NormPreserving, PostNormAware: false)], "4 np"),
        ];
        int[] promptOf = [0, 0, 0, 0, 1, 1, 1, 1];
        Edit?[] rowEdits = [.. promptOf.Select((_, r) => variants[r % variants.Length])];
        Tensor index = tensor(promptOf.Select(p => (long)p).ToArray());
        Tensor batchIds = ids.index_select(0, index), batchMask = mask.index_select(0, index);
        ActivationEdits edits = ActivationEdits.PerRow(rowEdits);

        Tensor together = EditFixtures.Logits(model, batchIds, batchMask, edits);
        var options = new GenerationOptions(12) { StopIds = [] };
        GenerationResult generated = TextGenerator.Generate(model, batchIds, batchMask, options with { Edits = edits });
        for (int row = 0; row < rowEdits.Length; row++)
        {
            Tensor rowIds = batchIds.narrow(0, row, 1), rowMask = batchMask.narrow(0, row, 1);
            ActivationEdits? alone = rowEdits[row] is { } edit ? ActivationEdits.ForAllRows(edit) : null;
            double error = EditFixtures.MaxAbs(together.narrow(0, row, 1).masked_select(rowMask.unsqueeze(-1).to(ScalarType.Bool)), EditFixtures.Logits(model, rowIds, rowMask, alone).masked_select(rowMask.unsqueeze(-1).to(ScalarType.Bool)));
            int[] tokensAlone = TextGenerator.Generate(model, rowIds, rowMask, options with { Edits = alone }).Tokens[0];
            output.WriteLine($"row {row} ({rowEdits[row]?.Name ?? "unedited"}): logits max abs {error:E2}, tokens {string.Join(' ', generated.Tokens[row])}");
            Assert.True(error <= 1e-4, $"row {row}: {error:E3}");
            Assert.Equal(tokensAlone, generated.Tokens[row]);
        }

        // The edits must matter, or agreement would say nothing about where they were applied.
        for (int row = 1; row < variants.Length; row++)
        {
            double effect = EditFixtures.MaxAbs(together.narrow(0, row, 1), together.narrow(0, 0, 1));
            output.WriteLine($"variant {variants[row]!.Name}: moves the logits by up to {effect:E2}");
            Assert.True(effect > 1e-2, $"variant {variants[row]!.Name} changes the logits by only {effect:E3}");
        }
    }
}
