using Geode.Model.Inference;
using Geode.Model.Tests.Edits;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Inference;

/// <summary>
/// A batch that pauses when few rows are left hands them back with their tokens so far; resuming
/// them (prompt and tokens re-read, each row with the tokens it has left) continues exactly where
/// an uninterrupted run goes.
/// </summary>
public sealed class GenerationPauseTests
{
    [Theory]
    [InlineData("gemma4-tiny-b")]
    [InlineData("llama-tiny")]
    public void Paused_rows_resumed_with_their_tokens_continue_as_if_never_paused(string fixture)
    {
        using var scope = NewDisposeScope();
        using CausalLM model = EditFixtures.Load(fixture);
        (Tensor ids, Tensor mask) = EditFixtures.Inputs(fixture);
        int rows = (int)ids.shape[0];
        const int Limit = 10;

        // Stop ids that end some rows early: the first token a row would pick at step 3.
        GenerationResult free = TextGenerator.Generate(model, ids, mask, new GenerationOptions(Limit) { StopIds = [] });
        int[] stops = [free.Tokens[0][3]];
        GenerationResult whole = TextGenerator.Generate(model, ids, mask, new GenerationOptions(Limit) { StopIds = stops });

        GenerationResult first = TextGenerator.Generate(model, ids, mask, new GenerationOptions(Limit) { StopIds = stops, PauseBelow = rows + 1 });
        Assert.NotNull(first.Paused);
        Assert.Contains(true, first.Paused!);

        long[][] prompts = [.. Enumerable.Range(0, rows).Select(r => ids[r].masked_select(mask[r].to(ScalarType.Bool)).data<long>().ToArray())];
        for (int r = 0; r < rows; r++)
        {
            int[] tokens = [.. first.Tokens[r]];
            if (first.Paused![r])
            {
                // Resume this row alone: its prompt and tokens so far, the tokens it has left.
                int[] input = [.. prompts[r].Select(t => (int)t), .. tokens];
                (Tensor resumedIds, Tensor resumedMask) = LeftPadding.Batch([input], model.Config.PadTokenId);
                GenerationResult rest = TextGenerator.Generate(model, resumedIds, resumedMask, new GenerationOptions(Limit) { StopIds = stops, RowLimits = [Limit - tokens.Length] });
                tokens = [.. tokens, .. rest.Tokens[0]];
            }

            Assert.Equal(whole.Tokens[r], tokens);
        }
    }

    [Fact]
    public void Row_limits_end_each_row_at_its_own_count_and_a_zero_limit_generates_nothing()
    {
        using var scope = NewDisposeScope();
        using CausalLM model = EditFixtures.Load("llama-tiny");
        (Tensor ids, Tensor mask) = EditFixtures.Inputs("llama-tiny");
        int rows = (int)ids.shape[0];
        int[] limits = [.. Enumerable.Range(0, rows).Select(r => r % 2 == 0 ? 0 : 4 + r)];
        GenerationResult full = TextGenerator.Generate(model, ids, mask, new GenerationOptions(12) { StopIds = [] });
        GenerationResult limited = TextGenerator.Generate(model, ids, mask, new GenerationOptions(12) { StopIds = [], RowLimits = limits });
        for (int r = 0; r < rows; r++)
        {
            Assert.Equal(full.Tokens[r].Take(limits[r]), limited.Tokens[r]);
        }

        Assert.Throws<ArgumentException>(() => TextGenerator.Generate(model, ids, mask, new GenerationOptions(12) { RowLimits = [13, .. limits.Skip(1)] }));
    }
}
