using Geode.Tests;
using Geode.Tests.Fuzz;
using Xunit.Abstractions;

namespace Geode.Campaigns.Tests.Fuzz;

/// <summary>
/// Hostile campaign files (issue 9): mutations of the quickstart campaign and of one that uses
/// every section (a CSV prompt file with a field mapping, a libtorch folder, every stage including
/// diff), read with <see cref="CampaignReader.Parse"/> in a folder where every path they name
/// exists, so mutations reach validation past the YAML. Every case must read or be refused with a
/// <see cref="Geode.Model.BadInputException"/> naming the file, within the bounds of <see cref="FuzzRunner"/>.
/// </summary>
public sealed class CampaignFuzzTests : IDisposable
{
    private const int Seed = 2_718;
    private const int Cases = 1_500;

    private const string Full = """
        name: every-section
        model:
          path: model
          dtype: bfloat16
          device: cuda:0
          libtorch: libtorch
        prompts:
          file: mine.csv
          format: csv
          fields: {id: key, category: group, expected: label, prompt: text, variants: others}
        judges: [regex, keyword]
        judge_horizon: 60
        generation:
          max_new_tokens: 64
          batch: auto
          early_stop: false
        stages:
          baseline:
            categories: [birds, locks]
          capture: {position: mean, input: raw}
          geometry:
            refuse: [locks]
            comply: [birds]
            winsorize: 0.99
            gram_schmidt: true
            random_directions: 4
          sweeps:
            alphas: [0.5, 1.0]
            layers: [all, "band:0-1", "layer:0", first-half]
            recipes: [gram-schmidt]
            random_controls: 1
          cascade:
            smoke: 4
            confirm: 2
            steps:
              - name: half precision
                change: {precision: float16}
              - name: chat template
                change: {input: template}
          descent: {max_rank: 2, refusal_target: 0.2, kl_budget: 0.5, strategy: svd}
          selective: {free: [birds], keep: [locks], kl_budget: 2}
          diff:
            forks: [fork]
        """;

    private readonly TempFolder _folder = new();
    private readonly ITestOutputHelper _output;
    private readonly string _file;

    public CampaignFuzzTests(ITestOutputHelper output)
    {
        _output = output;

        // Validation needs only a config.json in a checkpoint folder.
        File.WriteAllText(_folder.File("model/config.json"), "{}");
        File.WriteAllText(_folder.File("fork/config.json"), "{}");
        Directory.CreateDirectory(_folder.File("libtorch/lib"));
        File.WriteAllText(_folder.File("mine.csv"), "key,group,label,text,others\na1,birds,comply,How do owls see at night?,Why can owls see in the dark? | Owl night vision?\nb1,locks,refuse,Open my neighbor's lock.,\n");
        _file = _folder.File("campaign.yaml");
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Every_mutated_campaign_file_reads_or_is_refused_with_a_BadInputException_within_bounds()
    {
        string quickstart = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "campaigns", "quickstart.yaml"))
            .Replace("path: ../models/organism", "path: model", StringComparison.Ordinal);
        (string Name, string Yaml)[] bases = [("quickstart.yaml", quickstart), ("every-section.yaml", Full)];
        var runner = new FuzzRunner("campaign YAML", Seed, _output);
        foreach ((string _, string yaml) in bases)
        {
            runner.Baseline(YamlMutator.ToBytes(yaml), Parse);
        }

        runner.Run(
            Cases,
            random =>
            {
                (string name, string yaml) = bases[random.Next(bases.Length)];
                return YamlMutator.Mutate(yaml, random, name);
            },
            Parse,
            "campaign.yaml");
    }

    private void Parse(FuzzInput input) => CampaignReader.Parse(YamlMutator.FromBytes(input.Bytes), _file);
}
