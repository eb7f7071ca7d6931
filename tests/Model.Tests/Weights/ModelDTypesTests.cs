using Geode.Model.Weights;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Weights;

/// <summary>The one table of precision names the CLI, campaign files and the silo's pool read.</summary>
public sealed class ModelDTypesTests
{
    [Theory]
    [InlineData("int8", ScalarType.BFloat16, WeightFormat.Int8)]
    [InlineData(" INT8 ", ScalarType.BFloat16, WeightFormat.Int8)]
    [InlineData("bfloat16", ScalarType.BFloat16, WeightFormat.Dense)]
    [InlineData("float32", ScalarType.Float32, WeightFormat.Dense)]
    [InlineData("float64", ScalarType.Float64, WeightFormat.Dense)]
    public void A_name_parses_to_its_precision_and_back(string name, ScalarType compute, WeightFormat weights)
    {
        Assert.True(ModelDTypes.TryParse(name, out ModelPrecision precision));

        Assert.Equal(new ModelPrecision(compute, weights), precision);
        Assert.Equal(name.Trim().ToLowerInvariant(), ModelDTypes.NameOf(precision));
    }

    [Fact]
    public void Int8_is_a_name_of_its_own_so_stores_keyed_by_name_never_mix_it_with_bfloat16()
    {
        Assert.Contains(ModelDTypes.Int8, ModelDTypes.Names);
        Assert.Equal(ModelDTypes.Names.Count, ModelDTypes.Names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal("bfloat16", ModelDTypes.NameOf(ScalarType.BFloat16));
        Assert.False(ModelDTypes.TryParse("int4", out _));
        Assert.False(ModelDTypes.TryParse("uint8", out _));
    }
}
