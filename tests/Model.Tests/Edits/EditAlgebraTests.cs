using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Native;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Edits;

/// <summary>What each variant promises about the edited weights, checked on the weights themselves.</summary>
public sealed class EditAlgebraTests
{
    private readonly ITestOutputHelper _output;

    public EditAlgebraTests(ITestOutputHelper output)
    {
        _output = output;
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
    }

    public static TheoryData<string, WriterKind> Writers() => new()
    {
        { "gemma4-tiny-a", WriterKind.AttentionOutput },
        { "gemma4-tiny-a", WriterKind.MlpOutput },
        { "gemma4-tiny-a", WriterKind.PerLayerOutput },
        { "llama-tiny", WriterKind.AttentionOutput },
        { "llama-tiny", WriterKind.MlpOutput },
    };

    [Theory]
    [MemberData(nameof(Writers))]
    public void Norm_preserving_keeps_every_output_row_norm(string fixture, WriterKind writer)
    {
        using var scope = NewDisposeScope();
        using CausalLM model = EditFixtures.Load(fixture);
        int[] layers = [0, 1, model.Config.NumLayers - 1];
        Tensor[] before = [.. layers.Select(l => model.WriterWeight(l, writer).to(ScalarType.Float64, copy: true))];

        model.ApplyToWeights(EditFixtures.Single(model.Config.HiddenSize, writer, layers, 3, EditVariant.NormPreserving, postNormAware: false));

        for (int i = 0; i < layers.Length; i++)
        {
            Tensor after = model.WriterWeight(layers[i], writer).to(ScalarType.Float64);
            Tensor originalNorms = before[i].norm(1);
            double relative = ((after.norm(1) - originalNorms).abs() / originalNorms).max().item<double>();
            double changed = (after - before[i]).abs().max().item<double>();
            _output.WriteLine($"{fixture} {writer.Name()} layer {layers[i]}: row-norm relative error {relative:E2}, weight changed by {changed:E2}");
            Assert.True(relative <= 1e-6, $"layer {layers[i]}: relative row-norm error {relative:E3}");
            Assert.True(changed > 1e-4, "the edit left the weight unchanged");
        }
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void A_full_projection_leaves_no_component_along_the_basis_and_is_idempotent(string fixture, WriterKind writer)
    {
        using var scope = NewDisposeScope();
        using CausalLM model = EditFixtures.Load(fixture);
        int[] layers = [1, model.Config.NumLayers - 1];
        Edit edit = EditFixtures.Single(model.Config.HiddenSize, writer, layers, 3, EditVariant.Projection, postNormAware: false);
        Tensor u = linalg.qr(edit.Parts[0].Basis.to(ScalarType.Float64)).Q;
        double beforeComponent = layers.Max(l => u.T.matmul(model.WriterWeight(l, writer).to(ScalarType.Float64)).abs().max().item<double>());

        model.ApplyToWeights(edit);
        Tensor[] once = [.. layers.Select(l => model.WriterWeight(l, writer).clone())];
        double component = layers.Max(l => u.T.matmul(model.WriterWeight(l, writer).to(ScalarType.Float64)).abs().max().item<double>());
        model.ApplyToWeights(edit);
        double twiceVersusOnce = layers.Select((l, i) => EditFixtures.MaxAbs(model.WriterWeight(l, writer), once[i])).Max();

        _output.WriteLine($"{fixture} {writer.Name()}: |UᵀW| {beforeComponent:E2} → {component:E2}; twice vs once {twiceVersusOnce:E2}");
        Assert.True(beforeComponent > 1e-3, "the weight had no component along U to begin with");
        Assert.True(component <= 1e-6, $"|UᵀW'| = {component:E3}");
        Assert.True(twiceVersusOnce <= 1e-7, $"applying twice differs from once by {twiceVersusOnce:E3}");
    }

    [Theory]
    [InlineData(WriterKind.AttentionOutput, "post_attention_layernorm")]
    [InlineData(WriterKind.MlpOutput, "post_feedforward_layernorm")]
    [InlineData(WriterKind.PerLayerOutput, "post_per_layer_input_norm")]
    public void Post_norm_aware_removes_the_direction_from_what_reaches_the_stream(WriterKind writer, string postNorm)
    {
        using var scope = NewDisposeScope();
        const int Layer = 2;
        using CausalLM aware = EditFixtures.Load("gemma4-tiny-a");
        using CausalLM plain = EditFixtures.Load("gemma4-tiny-a");
        long hidden = aware.Config.HiddenSize;
        Tensor r = EditFixtures.RandomBasis(hidden, 1, 5);
        r = r / r.norm();
        aware.ApplyToWeights(new Edit([new EditPart([Layer], [writer], r, 1.0, PostNormAware: true)]));
        plain.ApplyToWeights(new Edit([new EditPart([Layer], [writer], r, 1.0)]));

        // What reaches the stream is g ⊙ (W'x) / rms(W'x); its projection on r is zero iff rᵀ(g ⊙ W'x) is.
        Tensor gain = Gain(aware, $"layers.{Layer}.{postNorm}.weight");
        Tensor x = EditFixtures.RandomBasis(aware.WriterWeight(Layer, writer).shape[1], 16, 6).to(ScalarType.Float64);
        double awareCosine = Cosine(aware.WriterWeight(Layer, writer), gain, x, r);
        double plainCosine = Cosine(plain.WriterWeight(Layer, writer), gain, x, r);

        _output.WriteLine($"{writer.Name()}: max |cos(r, post-norm output)| post-norm-aware {awareCosine:E2}, plain {plainCosine:E2}");
        Assert.True(awareCosine <= 1e-6, $"post-norm-aware leaves cosine {awareCosine:E3}");

        // The plain projection removes r before the norm, so the gain brings some of it back.
        Assert.True(plainCosine > 1e-3, $"plain projection already gives {plainCosine:E3}; the test would prove nothing");
    }

    [Fact]
    public void Post_norm_aware_on_llama_is_the_plain_projection()
    {
        using var scope = NewDisposeScope();
        using CausalLM aware = EditFixtures.Load("llama-tiny");
        using CausalLM plain = EditFixtures.Load("llama-tiny");
        Tensor basis = EditFixtures.RandomBasis(aware.Config.HiddenSize, 2, 3);
        aware.ApplyToWeights(new Edit([new EditPart([0, 3], [WriterKind.AttentionOutput, WriterKind.MlpOutput], basis, 1.0, PostNormAware: true)]));
        plain.ApplyToWeights(new Edit([new EditPart([0, 3], [WriterKind.AttentionOutput, WriterKind.MlpOutput], basis, 1.0)]));

        Assert.Equal(0.0, EditFixtures.MaxAbs(aware.WriterWeight(3, WriterKind.MlpOutput), plain.WriterWeight(3, WriterKind.MlpOutput)));
        Assert.Equal(0.0, EditFixtures.MaxAbs(aware.WriterWeight(0, WriterKind.AttentionOutput), plain.WriterWeight(0, WriterKind.AttentionOutput)));
    }

    private static Tensor Gain(CausalLM model, string normWeight)
    {
        Tensor weight = model.Weights[normWeight].to(ScalarType.Float64);
        return model.Config.NormAddsOne ? weight + 1 : weight;
    }

    /// <summary>max over columns of x of |cos(r, g ⊙ W x)|.</summary>
    private static double Cosine(Tensor weight, Tensor gain, Tensor x, Tensor r)
    {
        Tensor y = gain.unsqueeze(1) * weight.to(ScalarType.Float64).matmul(x);          // [H, n]
        Tensor cosine = r.to(ScalarType.Float64).T.matmul(y) / y.norm(0);
        return cosine.abs().max().item<double>();
    }

    [Fact]
    public void Per_row_edits_in_one_batch_equal_separate_runs()
    {
        using var scope = NewDisposeScope();
        const string Fixture = "gemma4-tiny-a";
        using CausalLM model = EditFixtures.Load(Fixture);
        long hidden = model.Config.HiddenSize;
        (Tensor ids, Tensor mask) = EditFixtures.Inputs(Fixture);

        // Three rows: the two reference rows and a reversed copy of row 0.
        Tensor batchIds = cat([ids, ids.narrow(0, 0, 1).flip(1)], 0);
        Tensor batchMask = cat([mask, mask.narrow(0, 0, 1)], 0);
        var editA = new Edit([new EditPart([0, 1, 2, 3, 4, 5], [WriterKind.AttentionOutput, WriterKind.MlpOutput], EditFixtures.RandomBasis(hidden, 2, 21), 1.0, EditVariant.NormPreserving, PostNormAware: true)], "a");
        var editB = new Edit([new EditPart([2, 5], [WriterKind.PerLayerOutput, WriterKind.MlpOutput], EditFixtures.RandomBasis(hidden, 1, 22), 1.3)], "b");

        Edit?[] rowEdits = [editA, null, editB];
        (Tensor together, double[] errors) = EditFixtures.AgainstAlone(model, batchIds, batchMask, rowEdits);
        AssertEachRow(rowEdits, errors, 1e-5);

        // Rows did get different edits: row 0 under edit A differs from row 0 unedited.
        Tensor unedited = EditFixtures.Logits(model, batchIds, batchMask);
        Assert.True(EditFixtures.MaxAbs(together.narrow(0, 0, 1), unedited.narrow(0, 0, 1)) > 1e-3);
        Assert.True(EditFixtures.MaxAbs(together.narrow(0, 2, 1), unedited.narrow(0, 2, 1)) > 1e-3);
        Assert.Equal(0.0, EditFixtures.MaxAbs(together.narrow(0, 1, 1), unedited.narrow(0, 1, 1)));
    }

    [Fact]
    public void Model_config_is_what_the_post_norm_test_assumes()
    {
        using CausalLM model = EditFixtures.Load("gemma4-tiny-a");
        ModelConfig config = model.Config;
        Assert.True(config.SandwichNorms);
        Assert.False(config.NormAddsOne);
        Assert.Equal(3, model.Writers.Count);
    }

    [Fact]
    public void Many_edits_side_by_side_give_each_row_what_it_gets_alone()
    {
        // Four distinct edits at the same writers switch the batch to stacked application: ranks
        // 1–3, a norm-preserving part, and an edit whose two parts touch the same writer in turn.
        using var scope = NewDisposeScope();
        const string Fixture = "gemma4-tiny-b";
        using CausalLM model = EditFixtures.Load(Fixture);
        long hidden = model.Config.HiddenSize;
        (Tensor ids, Tensor mask) = EditFixtures.Inputs(Fixture);
        Tensor batchIds = cat([ids, ids, ids.narrow(0, 0, 1)], 0);
        Tensor batchMask = cat([mask, mask, mask.narrow(0, 0, 1)], 0);
        WriterKind[] writers = [WriterKind.AttentionOutput, WriterKind.MlpOutput];
        int[] all = [.. Enumerable.Range(0, model.Config.NumLayers)];
        Edit[] edits =
        [
            new([new EditPart(all, writers, EditFixtures.RandomBasis(hidden, 1, 31), 1.0, EditVariant.Projection, PostNormAware: false)], "rank1"),
            new([new EditPart(all, writers, EditFixtures.RandomBasis(hidden, 3, 32), 0.7, EditVariant.NormPreserving, PostNormAware: true)], "rank3-np"),
            new([new EditPart([1, 3], writers, EditFixtures.RandomBasis(hidden, 2, 33), 1.5, EditVariant.Projection, PostNormAware: false)], "rank2-some"),
            new(
            [
                new EditPart(all, writers, EditFixtures.RandomBasis(hidden, 1, 34), 1.0, EditVariant.Projection, PostNormAware: false),
                new EditPart([0, 2, 4], [WriterKind.MlpOutput], EditFixtures.RandomBasis(hidden, 1, 35), 2.0, EditVariant.NormPreserving, PostNormAware: false),
            ], "two-parts"),
        ];
        Edit?[] rowEdits = [edits[0], edits[1], edits[2], edits[3], null];

        AssertEachRow(rowEdits, EditFixtures.AgainstAlone(model, batchIds, batchMask, rowEdits).Errors, 1e-4);
    }

    [Fact]
    public void A_sweep_of_one_direction_side_by_side_gives_each_row_what_it_gets_alone()
    {
        // One direction at several α and layer subsets (a sweep's grid): every row's basis is the
        // same, so the stacked application shares one [H, k] basis; a row edited only at some
        // layers, a norm-preserving row and an unedited row check the zero-α rows and the scale.
        using var scope = NewDisposeScope();
        const string Fixture = "gemma4-tiny-b";
        using CausalLM model = EditFixtures.Load(Fixture);
        long hidden = model.Config.HiddenSize;
        (Tensor ids, Tensor mask) = EditFixtures.Inputs(Fixture);
        Tensor batchIds = cat([ids, ids, ids], 0);
        Tensor batchMask = cat([mask, mask, mask], 0);
        WriterKind[] writers = [WriterKind.AttentionOutput, WriterKind.MlpOutput];
        int[] all = [.. Enumerable.Range(0, model.Config.NumLayers)];
        Tensor direction = EditFixtures.RandomBasis(hidden, 1, 41);
        Edit Variant(int[] layers, double alpha, EditVariant variant, string name) =>
            new([new EditPart(layers, writers, direction.clone(), alpha, variant, PostNormAware: false)], name);
        Edit?[] rowEdits =
        [
            Variant(all, 0.5, EditVariant.Projection, "all α=0.5"),
            Variant(all, 1.0, EditVariant.Projection, "all α=1"),
            Variant([1, 3], 2.0, EditVariant.Projection, "1,3 α=2"),
            Variant([0, 2, 4], 1.5, EditVariant.NormPreserving, "0,2,4 α=1.5 norm-preserving"),
            null,
            Variant(all, 0.5, EditVariant.Projection, "all α=0.5 again"),
        ];

        AssertEachRow(rowEdits, EditFixtures.AgainstAlone(model, batchIds, batchMask, rowEdits).Errors, 1e-4);
    }

    private void AssertEachRow(IReadOnlyList<Edit?> rowEdits, IReadOnlyList<double> errors, double bound)
    {
        for (int row = 0; row < rowEdits.Count; row++)
        {
            _output.WriteLine($"row {row} ({rowEdits[row]?.Name ?? "unedited"}): max abs {errors[row]:E2}");
            Assert.True(errors[row] <= bound, $"row {row}: {errors[row]:E3}");
        }
    }
}
