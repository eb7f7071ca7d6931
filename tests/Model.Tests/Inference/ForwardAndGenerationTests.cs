using Geode.Model.Edits;
using Geode.Model.Inference;
using Geode.Model.Native;
using Geode.Model.Weights;
using Geode.Tests;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Inference;

/// <summary>Properties of the forward pass and generation that hold for every architecture.</summary>
public sealed class ForwardAndGenerationTests
{
    public ForwardAndGenerationTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    public static TheoryData<string> Fixtures => new(Directory.GetDirectories(RepositoryPaths.HfFixtures).Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void A_left_padded_row_gives_the_same_logits_as_the_row_alone(string fixture)
    {
        using CausalLM model = Load(fixture);
        using var scope = NewDisposeScope();
        Tensor longRow = randint(3, model.Config.VocabSize, [1, 12], dtype: ScalarType.Int64, generator: new Generator(3));
        Tensor shortRow = randint(3, model.Config.VocabSize, [1, 7], dtype: ScalarType.Int64, generator: new Generator(4));
        Tensor padded = cat([full([1, 5], model.Config.PadTokenId, dtype: ScalarType.Int64), shortRow], 1);
        Tensor batch = cat([longRow, padded], 0);
        Tensor mask = cat([ones([1, 12], dtype: ScalarType.Int64), cat([zeros([1, 5], dtype: ScalarType.Int64), ones([1, 7], dtype: ScalarType.Int64)], 1)], 0);

        using ForwardResult together = model.Forward(new ForwardRequest(batch, mask));
        using ForwardResult alone = model.Forward(new ForwardRequest(shortRow, ones_like(shortRow)));
        using ForwardResult longAlone = model.Forward(new ForwardRequest(longRow, ones_like(longRow)));

        double shortError = (together.Logits![1].narrow(0, 5, 7) - alone.Logits![0]).abs().max().item<float>();
        double longError = (together.Logits![0] - longAlone.Logits![0]).abs().max().item<float>();
        Assert.True(shortError < 1e-5, $"padded row differs by {shortError}");
        Assert.True(longError < 1e-5, $"unpadded row differs by {longError}");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Cached_and_uncached_generation_agree_on_a_padded_batch_past_the_window(string fixture)
    {
        using CausalLM model = Load(fixture);
        using var scope = NewDisposeScope();
        Tensor ids = randint(3, model.Config.VocabSize, [2, 9], dtype: ScalarType.Int64, generator: new Generator(11));
        ids[1, ..4] = model.Config.PadTokenId;
        Tensor mask = ones_like(ids);
        mask[1, ..4] = 0;
        var options = new GenerationOptions(16) { StopIds = [] };

        GenerationResult cached = TextGenerator.Generate(model, ids, mask, options);
        GenerationResult uncached = TextGenerator.Generate(model, ids, mask, options with { UseCache = false });

        Assert.Equal(2, cached.Tokens.Count);
        Assert.All(cached.Tokens, row => Assert.Equal(16, row.Length));
        Assert.Equal(uncached.Tokens[0], cached.Tokens[0]);
        Assert.Equal(uncached.Tokens[1], cached.Tokens[1]);
    }

    [Fact]
    public void Rows_stop_on_their_own_stop_token_and_the_rest_go_on()
    {
        using CausalLM model = Load("gemma4-tiny-a");
        using var scope = NewDisposeScope();
        Tensor ids = randint(3, model.Config.VocabSize, [2, 6], dtype: ScalarType.Int64, generator: new Generator(21));
        GenerationResult free = TextGenerator.Generate(model, ids, ones_like(ids), new GenerationOptions(8) { StopIds = [] });

        // Make row 0's third token a stop id: row 0 must end there, row 1 must be unchanged.
        int stop = free.Tokens[0][2];
        GenerationResult stopped = TextGenerator.Generate(model, ids, ones_like(ids), new GenerationOptions(8) { StopIds = [stop] });

        Assert.Equal(free.Tokens[0].Take(3), stopped.Tokens[0]);
        Assert.True(stopped.Stopped[0]);
        int firstStopInRow1 = Array.IndexOf(free.Tokens[1], stop);
        Assert.Equal(firstStopInRow1 < 0 ? free.Tokens[1] : free.Tokens[1].Take(firstStopInRow1 + 1), stopped.Tokens[1]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_settled_row_leaves_the_batch_and_the_others_generate_what_they_would_have(bool useCache)
    {
        using CausalLM model = Load("gemma4-tiny-b");
        using var scope = NewDisposeScope();
        Tensor ids = randint(3, model.Config.VocabSize, [4, 7], dtype: ScalarType.Int64, generator: new Generator(31));
        ids[3, ..3] = model.Config.PadTokenId;
        Tensor mask = ones_like(ids);
        mask[3, ..3] = 0;
        Edit edit = Geode.Model.Tests.Edits.EditFixtures.Single(model.Config.HiddenSize, WriterKind.MlpOutput, [0, 1, 2], 1, EditVariant.Projection, postNormAware: false);
        var options = new GenerationOptions(10) { StopIds = [], UseCache = useCache, Edits = ActivationEdits.PerRow([edit, null, edit, null]) };
        GenerationResult free = TextGenerator.Generate(model, ids, mask, options);

        // Rows 1 and 2 settle after 2 and 5 tokens; rows 0 and 3 must not notice.
        int[] settleAt = [int.MaxValue, 2, 5, int.MaxValue];
        var calls = new List<(int Row, int Count)>();
        GenerationResult early = TextGenerator.Generate(model, ids, mask, options with
        {
            RowSettled = (row, tokens) =>
            {
                calls.Add((row, tokens.Count));
                return tokens.Count >= settleAt[row];
            },
        });

        Assert.Equal([false, true, true, false], early.Settled!);
        Assert.Null(free.Settled);
        for (int row = 0; row < 4; row++)
        {
            Assert.Equal(free.Tokens[row].Take(Math.Min(settleAt[row], 10)), early.Tokens[row]);
        }

        // A settled row is never asked about again: row 1 twice, row 2 five times, the others ten times.
        Assert.Equal([10, 2, 5, 10], Enumerable.Range(0, 4).Select(row => calls.Count(c => c.Row == row)));
    }

    [Fact]
    public void Seeded_sampling_repeats_and_another_seed_differs()
    {
        using CausalLM model = Load("llama-tiny");
        using var scope = NewDisposeScope();
        Tensor ids = randint(3, model.Config.VocabSize, [1, 5], dtype: ScalarType.Int64, generator: new Generator(2));
        GenerationOptions Options(long seed) => new(24) { StopIds = [], Sampling = new SamplingOptions(Temperature: 1.5, TopK: 50, TopP: 0.95, Seed: seed) };

        int[] first = TextGenerator.Generate(model, ids, ones_like(ids), Options(1)).Tokens[0];
        int[] again = TextGenerator.Generate(model, ids, ones_like(ids), Options(1)).Tokens[0];
        int[] other = TextGenerator.Generate(model, ids, ones_like(ids), Options(2)).Tokens[0];

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Top_k_of_one_is_greedy()
    {
        using CausalLM model = Load("gemma3-tiny");
        using var scope = NewDisposeScope();
        Tensor ids = randint(3, model.Config.VocabSize, [2, 5], dtype: ScalarType.Int64, generator: new Generator(8));

        GenerationResult greedy = TextGenerator.Generate(model, ids, ones_like(ids), new GenerationOptions(10) { StopIds = [] });
        GenerationResult topOne = TextGenerator.Generate(model, ids, ones_like(ids), new GenerationOptions(10) { StopIds = [], Sampling = new SamplingOptions(TopK: 1, Seed: 9) });

        Assert.Equal(greedy.Tokens[0], topOne.Tokens[0]);
        Assert.Equal(greedy.Tokens[1], topOne.Tokens[1]);
    }

    [Fact]
    public void Last_position_capture_is_the_last_column_of_the_full_capture()
    {
        using CausalLM model = Load("gemma4-tiny-b");
        using var scope = NewDisposeScope();
        Tensor ids = randint(3, model.Config.VocabSize, [3, 8], dtype: ScalarType.Int64, generator: new Generator(5));

        using ForwardResult last = model.Forward(new ForwardRequest(ids, ones_like(ids)) { Capture = ResidualCapture.AllLayers(model.Config.NumLayers), Logits = LogitsScope.None });
        using ForwardResult all = model.Forward(new ForwardRequest(ids, ones_like(ids)) { Capture = ResidualCapture.AllLayers(model.Config.NumLayers, CapturePosition.All), Logits = LogitsScope.Last });

        Assert.Null(last.Logits);
        Assert.Equal([3L, 1, model.Config.VocabSize], all.Logits!.shape);
        Assert.Equal(model.Config.NumLayers + 1, last.Residuals.Count);
        foreach ((int layer, Tensor state) in last.Residuals)
        {
            Assert.Equal([3L, model.Config.HiddenSize], state.shape);
            double error = (state - all.Residuals[layer].select(1, 7)).abs().max().item<float>();
            Assert.True(error < 1e-4, $"layer {layer} differs by {error} (float32 rounding of a different matmul shape)");
        }
    }

    [Theory]
    [InlineData("gemma4-tiny-a")]
    [InlineData("gemma4-tiny-b")]
    public void The_kv_shared_tail_computed_for_the_last_position_alone_matches_the_full_pass(string fixture)
    {
        using CausalLM model = Load(fixture);
        Assert.True(model.LastPositionTail < model.Config.NumLayers, "the fixture has a KV-shared tail, so the shortcut is exercised");
        using var scope = NewDisposeScope();
        Tensor ids = randint(3, model.Config.VocabSize, [3, 10], dtype: ScalarType.Int64, generator: new Generator(9));
        Tensor mask = ones_like(ids);
        ids[2, ..4] = model.Config.PadTokenId;
        mask[2, ..4] = 0;
        Edit edit = Geode.Model.Tests.Edits.EditFixtures.Single(model.Config.HiddenSize, WriterKind.AttentionOutput, [.. Enumerable.Range(0, model.Config.NumLayers)], 2, EditVariant.Projection, postNormAware: false);
        ActivationEdits edits = ActivationEdits.PerRow([edit, null, edit]);
        ResidualCapture capture = ResidualCapture.AllLayers(model.Config.NumLayers, includeFinalNorm: true);

        using ForwardResult shortcut = model.Forward(new ForwardRequest(ids, mask) { Capture = capture, Edits = edits, Logits = LogitsScope.Last });
        using ForwardResult full = model.Forward(new ForwardRequest(ids, mask) { Capture = capture, Edits = edits, Logits = LogitsScope.All });

        double logits = (shortcut.Logits!.select(1, 0) - full.Logits!.select(1, 9)).abs().max().item<float>();
        Assert.True(logits < 1e-4, $"last-position logits differ by {logits}");
        foreach ((int layer, Tensor state) in shortcut.Residuals)
        {
            double error = (state - full.Residuals[layer]).abs().max().item<float>();
            Assert.True(error < 1e-4, $"stream {layer} differs by {error}");
        }

        double normed = (shortcut.FinalNormed! - full.FinalNormed!).abs().max().item<float>();
        Assert.True(normed < 1e-4, $"final norm differs by {normed}");
    }

    private static CausalLM Load(string fixture) =>
        ModelLoader.Load(RepositoryPaths.HfFixture(fixture), new LoadOptions(ScalarType.Float32, CPU));
}
