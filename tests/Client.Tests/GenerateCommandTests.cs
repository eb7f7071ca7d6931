using Geode.Model;
using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Inference;
using Geode.Model.Native;
using Geode.Model.Text;
using Geode.Model.Weights;
using Geode.Tests;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Geode.Client.Tests;

public sealed class GenerateCommandTests(ITestOutputHelper log) : IDisposable
{
    private const string Prompt = "w10 w20 w30 w40 w50";
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Raw_greedy_output_is_the_decoded_tokens_of_the_generator_itself()
    {
        string folder = ModelWithTokenizer();
        const int maxNew = 12;

        CliResult result = await CliRunner.RunAsync("generate", "--model", folder, "--prompt", Prompt, "--raw", "--max-new-tokens", $"{maxNew}");

        log.WriteLine(result.Output + result.Error);
        Assert.Equal(0, result.ExitCode);

        // The same steps done by hand: encode as is, generate greedily, stop on <eos> and <turn|>.
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        using TextTokenizer tokenizer = TextTokenizer.Load(Path.Combine(folder, "tokenizer.json"));
        int[] ids = tokenizer.Encode(Prompt);
        Assert.Equal([10, 20, 30, 40, 50], ids);
        using CausalLM model = ModelLoader.Load(folder);
        int[] generated;
        using (NewDisposeScope())
        {
            Tensor input = tensor(ids.Select(id => (long)id).ToArray()).unsqueeze(0);
            GenerationResult direct = TextGenerator.Generate(model, input, ones_like(input), new GenerationOptions(maxNew) { StopIds = [1, TinyTokenizer.TurnEnd] });
            generated = direct.Tokens[0];
        }

        log.WriteLine(string.Join(" ", generated));
        Assert.NotEmpty(generated);
        string expected = tokenizer.Decode(generated, skipSpecialTokens: true);
        Assert.Equal(expected + Environment.NewLine, result.Output);
    }

    [Fact]
    public async Task An_edit_file_changes_generation_exactly_as_the_activation_edit_does()
    {
        string folder = ModelWithTokenizer();
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        string editPath = Path.Combine(_temp.Path, "edit.safetensors");
        var edit = new Edit(
            [new EditPart([0, 1, 2, 3, 4, 5], [WriterKind.AttentionOutput, WriterKind.MlpOutput], randn([64, 8], generator: new TorchSharp.torch.Generator(3)), 1.0)],
            "random-8");
        EditFile.Save(edit, editPath);

        CliResult result = await CliRunner.RunAsync("generate", "--model", folder, "--prompt", Prompt, "--raw", "--max-new-tokens", "12", "--edit", editPath);

        Assert.Equal(0, result.ExitCode);
        using TextTokenizer tokenizer = TextTokenizer.Load(Path.Combine(folder, "tokenizer.json"));
        using CausalLM model = ModelLoader.Load(folder);
        using (NewDisposeScope())
        {
            Tensor input = tensor(tokenizer.Encode(Prompt).Select(id => (long)id).ToArray()).unsqueeze(0);
            var options = new GenerationOptions(12) { StopIds = [1, TinyTokenizer.TurnEnd], Edits = ActivationEdits.ForAllRows(EditFile.Load(editPath)) };
            GenerationResult direct = TextGenerator.Generate(model, input, ones_like(input), options);
            Assert.Equal(tokenizer.Decode(direct.Tokens[0], skipSpecialTokens: true) + Environment.NewLine, result.Output);
        }
    }

    [Fact]
    public async Task An_edit_for_another_hidden_size_is_refused_with_exit_code_2()
    {
        string folder = ModelWithTokenizer();
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        string editPath = Path.Combine(_temp.Path, "wide.safetensors");
        EditFile.Save(new Edit([new EditPart([0], [WriterKind.MlpOutput], randn([128, 1]), 1.0)], "wide"), editPath);

        CliResult wrongSize = await CliRunner.RunAsync("generate", "--model", folder, "--prompt", Prompt, "--edit", editPath);
        CliResult missing = await CliRunner.RunAsync("generate", "--model", folder, "--prompt", Prompt, "--edit", "/no/such/edit.safetensors");

        Assert.Equal(2, wrongSize.ExitCode);
        Assert.Contains(editPath, wrongSize.Error, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--edit /no/such/edit.safetensors: no such file", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_seed_makes_sampling_reproducible_and_different_seeds_can_differ()
    {
        string folder = ModelWithTokenizer();

        async Task<string> Sample(int seed)
        {
            CliResult result = await CliRunner.RunAsync("generate", "--model", folder, "--prompt", Prompt, "--raw", "--max-new-tokens", "16", "--temperature", "2", "--seed", $"{seed}");
            Assert.Equal(0, result.ExitCode);
            return result.Output;
        }

        string first = await Sample(7);
        Assert.Equal(first, await Sample(7));
        string[] others = [await Sample(1), await Sample(2), await Sample(3)];
        log.WriteLine(string.Join(Environment.NewLine, others.Prepend(first)));
        Assert.True(others.Append(first).Distinct().Count() > 1, "four seeds all gave the same text");
    }

    [Fact]
    public async Task The_chat_template_path_renders_system_and_user_turns()
    {
        string folder = ModelWithTokenizer();

        CliResult result = await CliRunner.RunAsync("generate", "--model", folder, "--system", "w11 w12", "--prompt", "w13 w14", "--max-new-tokens", "5");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Error);

        // Greedy: the same command gives the same completion.
        CliResult again = await CliRunner.RunAsync("generate", "--model", folder, "--system", "w11 w12", "--prompt", "w13 w14", "--max-new-tokens", "5");
        Assert.Equal(result.Output, again.Output);
    }

    [Fact]
    public void Stop_ids_are_the_models_and_the_templates()
    {
        string folder = ModelWithTokenizer();
        using TextTokenizer tokenizer = TextTokenizer.Load(Path.Combine(folder, "tokenizer.json"));
        ModelConfig config = ConfigReader.Read(folder);

        IReadOnlyList<int> stops = ChatPrompt.StopIds(config, ChatTemplates.ForModelType(config.ModelType), tokenizer);

        Assert.Equal([1, TinyTokenizer.TurnEnd], stops.Order());
    }

    private string ModelWithTokenizer()
    {
        string folder = Fixtures.CopyCheckpoint("gemma4-tiny-a", _temp);
        TinyTokenizer.WriteTo(folder);
        return folder;
    }
}
