using Geode.Analysis.Surgery;
using Geode.Model;
using Geode.Model.Config;
using Geode.Tests;

namespace Geode.Analysis.Tests.Surgery;

public sealed class LayerSubsetTests
{
    // gemma4-tiny-a: 6 layers, sliding sliding full sliding sliding full.
    private static readonly ModelConfig Config = ConfigReader.Read(RepositoryPaths.HfFixture("gemma4-tiny-a"));

    public static TheoryData<string, int[]> Subsets => new()
    {
        { "all", [0, 1, 2, 3, 4, 5] },
        { "global", [2, 5] },
        { "sliding", [0, 1, 3, 4] },
        { "first-half", [0, 1, 2] },
        { "second-half", [3, 4, 5] },
        { "middle", [2, 3] },
        { "last:2", [4, 5] },
        { "last:10", [0, 1, 2, 3, 4, 5] },
        { "band:1-3", [1, 2, 3] },
        { "layer:4", [4] },
    };

    [Theory]
    [MemberData(nameof(Subsets))]
    public void Named_subsets_resolve_to_the_expected_layers_and_round_trip_as_text(string text, int[] expected)
    {
        LayerSubset subset = LayerSubset.Parse(text, "--layers");

        Assert.Equal(expected, subset.Resolve(Config));
        Assert.Equal(text, subset.ToString());
    }

    [Fact]
    public void Factories_equal_their_text_forms()
    {
        Assert.Equal(LayerSubset.Parse("band:4-5", "x"), LayerSubset.Band(4, 5));
        Assert.Equal(LayerSubset.Parse("layer:3", "x"), LayerSubset.Single(3));
        Assert.Equal(LayerSubset.Parse("last:10", "x"), LayerSubset.LastN(10));
        Assert.NotEqual(LayerSubset.FirstHalf, LayerSubset.SecondHalf);
    }

    [Fact]
    public void Subsets_outside_the_model_or_malformed_text_are_bad_input()
    {
        BadInputException outside = Assert.Throws<BadInputException>(() => LayerSubset.Band(4, 6).Resolve(Config));
        BadInputException malformed = Assert.Throws<BadInputException>(() => LayerSubset.Parse("band:5-2", "campaign.yaml"));

        Assert.Contains("layers 0..5", outside.Message, StringComparison.Ordinal);
        Assert.StartsWith("campaign.yaml:", malformed.Message, StringComparison.Ordinal);
        Assert.Throws<BadInputException>(() => LayerSubset.Parse("last:0", "x"));
        Assert.Throws<BadInputException>(() => LayerSubset.Parse("everything", "x"));
    }
}
