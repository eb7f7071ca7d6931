using Geode.Tests;

namespace Geode.Campaigns.Tests;

/// <summary>A campaign's <c>model.dtype</c> accepts every name of the shared table, int8 included.</summary>
public sealed class CampaignDTypeTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public CampaignDTypeTests() => File.WriteAllText(_folder.File("model/config.json"), "{}");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("int8")]
    [InlineData("bfloat16")]
    public void The_dtype_is_kept_by_its_name(string dtype)
    {
        Campaign campaign = CampaignReader.Parse($"model:\n  path: model\n  dtype: {dtype}\nstages:\n  baseline: {{}}\n", _folder.File("campaign.yaml"));

        Assert.Equal(dtype, campaign.Model.DType);
    }
}
