using Geode.Analysis.Surgery;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Surgery;

public sealed class StandardRecipeTests
{
    public StandardRecipeTests() => Torch.Start();

    [Fact]
    public void It_picks_the_stream_with_the_planted_shift_and_recovers_its_direction()
    {
        using var scope = NewDisposeScope();
        const int streams = 5, n = 60, hidden = 32;
        Tensor u = Torch.Normal(1, hidden);
        u /= u.norm();

        // Stream 0 is identical for every prompt (a chat template's last token); streams 1..4 carry
        // the class difference along u, strongest at stream 3.
        Tensor comply = Torch.Normal(2, streams, n, hidden);
        Tensor refuse = Torch.Normal(3, streams, n, hidden);
        comply[0] = zeros(n, hidden);
        refuse[0] = zeros(n, hidden);
        double[] shift = [0, 1, 2, 6, 3];
        for (int l = 1; l < streams; l++)
        {
            refuse[l] += shift[l] * u;
        }

        RecipeDirection found = StandardRecipe.FindDirection(refuse, comply);

        Assert.Equal(3, found.PeakStream);
        Assert.Equal(0, found.CohensD[0]);
        Assert.True(found.CohensD[3] > found.CohensD[4] && found.CohensD[4] > found.CohensD[1], string.Join(" ", found.CohensD));
        double cosine = found.Direction.dot(u.to(ScalarType.Float64)).item<double>();
        Assert.True(cosine > 0.95, $"cosine with the planted direction {cosine:F3}");
    }
}
