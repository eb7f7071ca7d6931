using Geode.Analysis.Evaluation;
using Geode.Campaigns.Artifacts;
using Geode.Campaigns.Execution;
using Geode.Model;
using Geode.Model.Config;
using Geode.Model.Text;
using Geode.Model.Weights;
using Geode.Tests;

namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// A trial reports every token it generated — each variant's responses, not only the unedited
/// run's — so the throughput metrics (tokens/s per stage) count the work that was done.
/// </summary>
public sealed class TrialTokensTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Theory]
    [InlineData("selective", "selective")]
    [InlineData("descent", "descent")]
    public async Task A_trial_counts_the_tokens_of_every_response_it_recorded(string stage, string records)
    {
        string campaign = _folder.File("small.yaml");
        await SmallCampaign.WriteAsync(campaign, _folder.File("prompts.json"));
        CampaignWorkspace workspace = CampaignWorkspace.Open(campaign, await File.ReadAllTextAsync(campaign));
        string folder = workspace.Campaign.Model.Folder;
        ModelConfig config = ConfigReader.Read(folder);
        using CausalLM model = ModelLoader.Load(folder, new LoadOptions(null, TorchSharp.torch.CPU));
        using TextTokenizer tokenizer = TextTokenizer.Load(Path.Combine(folder, "tokenizer.json"));
        string artifacts = _folder.File("artifacts");

        TrialResult result = TrialJobs.Run(model, tokenizer, ChatTemplates.ForModelType(config.ModelType), workspace, stage, 0, string.Empty, artifacts);

        IReadOnlyList<(ResponseRecord Record, string? Variant)> written = ResponseRecordStream.Read(Path.Combine(artifacts, "records", $"{records}.msgpack"));
        Assert.True(written.Select(w => w.Variant).Distinct().Count() > 1, "the trial should evaluate several variants");
        Assert.Equal(written.Sum(w => (long)w.Record.Tokens), result.Tokens);
    }

    public void Dispose() => _folder.Dispose();
}
