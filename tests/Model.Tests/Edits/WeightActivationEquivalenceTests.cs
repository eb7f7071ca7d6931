using Geode.Model.Edits;
using Geode.Model.Native;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Edits;

/// <summary>
/// An edit applied to the weights and the same edit applied to writer outputs during the forward
/// pass give the same logits, for every writer type, variant, rank and a subset of layers.
/// </summary>
public sealed class WeightActivationEquivalenceTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    public static TheoryData<string, WriterKind, EditVariant, bool, int> Cases()
    {
        var data = new TheoryData<string, WriterKind, EditVariant, bool, int>();
        foreach ((string fixture, WriterKind[] writers) in new[]
        {
            ("gemma4-tiny-a", new[] { WriterKind.AttentionOutput, WriterKind.MlpOutput, WriterKind.PerLayerOutput }),
            ("llama-tiny", new[] { WriterKind.AttentionOutput, WriterKind.MlpOutput }),
        })
        {
            foreach (WriterKind writer in writers)
            {
                foreach (EditVariant variant in Enum.GetValues<EditVariant>())
                {
                    foreach (bool postNormAware in new[] { false, true })
                    {
                        foreach (int rank in new[] { 1, 3 })
                        {
                            data.Add(fixture, writer, variant, postNormAware, rank);
                        }
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Weight_edit_equals_activation_edit(string fixture, WriterKind writer, EditVariant variant, bool postNormAware, int rank)
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        using var scope = NewDisposeScope();
        (Tensor ids, Tensor mask) = EditFixtures.Inputs(fixture);
        using CausalLM original = EditFixtures.Load(fixture);
        int last = original.Config.NumLayers - 1;
        Edit edit = EditFixtures.Single(original.Config.HiddenSize, writer, [0, 2, last], rank, variant, postNormAware, alpha: rank == 1 ? 1.0 : 0.7, seed: rank);

        Tensor unedited = EditFixtures.Logits(original, ids, mask);
        Tensor activation = EditFixtures.Logits(original, ids, mask, ActivationEdits.ForAllRows(edit));
        using CausalLM edited = EditFixtures.Load(fixture);
        edited.ApplyToWeights(edit);
        Tensor weight = EditFixtures.Logits(edited, ids, mask);

        double error = EditFixtures.MaxAbs(activation, weight);
        double effect = EditFixtures.MaxAbs(activation, unedited);
        output.WriteLine($"weight≡activation {fixture} {writer.Name()} {variant} post_norm_aware={postNormAware} rank={rank}: max abs {error:E2} (edit moved logits by {effect:E2})");
        Assert.True(error <= Tolerance, $"max abs {error:E3} > {Tolerance:E0}");

        // The edit must do something, or agreement proves nothing.
        Assert.True(effect > 1e-3, $"the edit moved the logits by only {effect:E3}");
    }

    [Theory]
    [InlineData("gemma4-tiny-a")]
    [InlineData("llama-tiny")]
    public void A_multi_part_edit_over_every_writer_composes_the_same_way(string fixture)
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        using var scope = NewDisposeScope();
        (Tensor ids, Tensor mask) = EditFixtures.Inputs(fixture);
        using CausalLM original = EditFixtures.Load(fixture);
        long hidden = original.Config.HiddenSize;
        int layers = original.Config.NumLayers;
        IReadOnlyList<WriterKind> writers = original.Writers;

        // Overlapping parts: later parts act on what earlier ones left, in weights and activations alike.
        var edit = new Edit(
        [
            new EditPart([.. Enumerable.Range(0, layers)], writers, EditFixtures.RandomBasis(hidden, 2, 11), 1.0, EditVariant.NormPreserving, PostNormAware: true),
            new EditPart([1, layers - 1], writers, EditFixtures.RandomBasis(hidden, 1, 12), 0.5),
            new EditPart([1], [WriterKind.MlpOutput], EditFixtures.RandomBasis(hidden, 3, 13), 1.5, EditVariant.NormPreserving),
        ]);

        Tensor activation = EditFixtures.Logits(original, ids, mask, ActivationEdits.ForAllRows(edit));
        using CausalLM edited = EditFixtures.Load(fixture);
        edited.ApplyToWeights(edit);
        double error = EditFixtures.MaxAbs(activation, EditFixtures.Logits(edited, ids, mask));

        output.WriteLine($"multi-part {fixture}: max abs {error:E2}");
        Assert.True(error <= Tolerance, $"max abs {error:E3} > {Tolerance:E0}");
    }
}
