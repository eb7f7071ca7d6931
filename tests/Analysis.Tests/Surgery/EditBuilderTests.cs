using Geode.Analysis.Directions;
using Geode.Analysis.Surgery;
using Geode.Model;
using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Random;
using Geode.Tests;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Surgery;

public sealed class EditBuilderTests
{
    private static readonly ModelConfig Config = ConfigReader.Read(RepositoryPaths.HfFixture("gemma4-tiny-a"));

    public EditBuilderTests() => Torch.Start();

    [Fact]
    public void Stream_directions_edit_layer_i_with_the_row_it_writes_into()
    {
        using var scope = NewDisposeScope();
        Tensor rows = Torch.Normal(11, 7, 64);

        Edit edit = EditBuilder.FromStreamDirections(Config, rows, LayerSubset.Band(2, 4), EditBuilder.StandardWriters);

        Assert.Equal([[2], [3], [4]], edit.Parts.Select(p => p.Layers.ToArray()));
        foreach (EditPart part in edit.Parts)
        {
            // Layer i writes into stream index i + 1; the stored basis is that row, normalised (up to sign).
            Tensor expected = rows[part.Layers[0] + 1] / rows[part.Layers[0] + 1].norm();
            double cosine = Math.Abs(part.Basis.squeeze(1).to(ScalarType.Float64).dot(expected.to(ScalarType.Float64)).item<double>());
            Assert.Equal(1.0, cosine, 1e-6);
        }

        Assert.Throws<BadInputException>(() => EditBuilder.FromStreamDirections(Config, Torch.Normal(12, 6, 64), LayerSubset.All, EditBuilder.StandardWriters));
    }

    [Fact]
    public void Projection_puts_the_named_layers_and_writers_in_one_part()
    {
        using var scope = NewDisposeScope();
        Tensor r = Torch.Normal(1, 64);

        Edit global = EditBuilder.Projection(Config, r, LayerSubset.GlobalAttention, EditBuilder.AllWriters(Config), alpha: 0.7, EditVariant.NormPreserving, postNormAware: true, name: "g");
        Edit sliding = EditBuilder.Projection(Config, r, LayerSubset.Sliding, EditBuilder.StandardWriters);

        EditPart part = Assert.Single(global.Parts);
        Assert.Equal("g", global.Name);
        Assert.Equal([2, 5], part.Layers);
        Assert.Equal([WriterKind.AttentionOutput, WriterKind.MlpOutput, WriterKind.PerLayerOutput], part.Writers);
        Assert.Equal(0.7, part.Alpha);
        Assert.Equal(EditVariant.NormPreserving, part.Variant);
        Assert.True(part.PostNormAware);
        Assert.Equal([64, 1], part.Basis.shape);
        Assert.Equal(ScalarType.Float32, part.Basis.dtype);
        Assert.Equal(1, part.Basis.norm().item<float>(), 1e-6);
        Assert.Equal([0, 1, 3, 4], sliding.Parts[0].Layers);
        Assert.Equal([WriterKind.AttentionOutput, WriterKind.MlpOutput], sliding.Parts[0].Writers);
        Assert.Equal(EditVariant.Projection, sliding.Parts[0].Variant);
        Assert.False(sliding.Parts[0].PostNormAware);
    }

    [Fact]
    public void Dependent_basis_columns_are_dropped_and_per_layer_bases_get_one_part_each()
    {
        using var scope = NewDisposeScope();
        Tensor v = Torch.Normal(2, 64), w = Torch.Normal(3, 64);
        Tensor dependent = stack([v, 2 * v, w], 1);  // rank 2

        Edit edit = EditBuilder.Projection(Config, dependent, LayerSubset.LastN(2), EditBuilder.StandardWriters);
        Edit perLayer = EditBuilder.PerLayer(Config, new Dictionary<int, Tensor> { [4] = w, [1] = v }, [WriterKind.MlpOutput]);

        Assert.Equal([64, 2], edit.Parts[0].Basis.shape);
        Assert.Equal([4, 5], edit.Parts[0].Layers);
        Assert.Equal([[1], [4]], perLayer.Parts.Select(p => p.Layers.ToArray()));
        Assert.Equal(1, Math.Abs(perLayer.Parts[0].Basis[.., 0].to(ScalarType.Float64).dot(v / v.norm()).item<double>()), 1e-6);
        Assert.Throws<BadInputException>(() => EditBuilder.Projection(Config, v, LayerSubset.Single(6), EditBuilder.StandardWriters));
        Assert.Throws<BadInputException>(() => EditBuilder.Projection(Config, Torch.Normal(4, 32), LayerSubset.All, EditBuilder.StandardWriters));
    }

    [Fact]
    public void A_union_removes_both_spans_from_the_model_where_concatenation_of_overlapping_bases_does_not()
    {
        using var scope = NewDisposeScope();
        Tensor u1 = Torch.Normal(5, 64);
        u1 /= u1.norm();
        Tensor other = Torch.Normal(6, 64);
        other = (other - (other.dot(u1) * u1)) / (other - (other.dot(u1) * u1)).norm();
        Tensor u2 = (0.6 * u1) + (0.8 * other);   // cos(u₁, u₂) = 0.6
        Edit first = EditBuilder.Projection(Config, u1, LayerSubset.Band(1, 2), EditBuilder.StandardWriters);
        Edit second = EditBuilder.Projection(Config, u2, LayerSubset.Band(1, 2), EditBuilder.StandardWriters);
        var union = new Edit([EditComposition.Union(first.Parts[0], second.Parts[0])], "union");
        Edit concatenated = EditComposition.Concatenate("both", first, second);

        using CausalLM unionModel = RandomModel.Create(Config, 3, ScalarType.Float32, CPU);
        using CausalLM concatenatedModel = RandomModel.Create(Config, 3, ScalarType.Float32, CPU);
        Tensor untouched = unionModel.WriterWeight(0, WriterKind.MlpOutput).clone();
        unionModel.ApplyToWeights(union);
        concatenatedModel.ApplyToWeights(concatenated);

        Tensor span = stack([u1, u2], 1).to(ScalarType.Float32);
        Assert.Equal([64, 2], union.Parts[0].Basis.shape);
        Assert.Equal(2, concatenated.Parts.Count);
        foreach (int layer in new[] { 1, 2 })
        {
            foreach (WriterKind writer in EditBuilder.StandardWriters)
            {
                Tensor w = unionModel.WriterWeight(layer, writer);
                Assert.True(span.T.matmul(w).abs().max().item<float>() < 1e-5 * w.abs().max().item<float>());

                // (I − u₂u₂ᵀ)(I − u₁u₁ᵀ)W keeps u₁ᵀ W' = −0.6 u₂ᵀ(I − u₁u₁ᵀ)W ≠ 0.
                Tensor sequential = concatenatedModel.WriterWeight(layer, writer);
                Assert.True(u1.to(ScalarType.Float32).matmul(sequential).abs().max().item<float>() > 1e-2 * sequential.abs().max().item<float>());
                Assert.True(u2.to(ScalarType.Float32).matmul(sequential).abs().max().item<float>() < 1e-5 * sequential.abs().max().item<float>());
            }
        }

        Assert.True(unionModel.WriterWeight(0, WriterKind.MlpOutput).eq(untouched).all().item<bool>());
        Assert.Throws<ArgumentException>(() => EditComposition.Union(first.Parts[0], EditBuilder.Projection(Config, u2, LayerSubset.All, EditBuilder.StandardWriters).Parts[0]));
        Assert.All(Subspace.PrincipalAngleCosines(union.Parts[0].Basis, span), c => Assert.True(c > 1 - 1e-6));
    }
}
