using System.Diagnostics;
using Geode.Tests;
using Xunit.Abstractions;

namespace Geode.Client.Tests;

/// <summary>
/// Wrong folders, files and flags for the model commands: each is exit code 2 with one message that
/// names the file or flag. Timings are logged, not asserted: validation runs before torch starts.
/// </summary>
public sealed class BadModelInputTests(ITestOutputHelper log) : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Commands => new(["verify", "info", "generate"]);

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task A_missing_folder_names_the_flag_and_folder(string command)
    {
        string missing = Path.Combine(_temp.Path, "no-such-model");

        string error = await Fails(command, missing);

        Assert.Contains($"--model {missing}: no such folder", error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task A_missing_config_json_is_named(string command)
    {
        string folder = Fixtures.CopyCheckpoint("llama-tiny", _temp);
        File.Delete(Path.Combine(folder, "config.json"));

        string error = await Fails(command, folder);

        Assert.Contains("config.json is missing", error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task A_missing_model_safetensors_is_named(string command)
    {
        string folder = Fixtures.CopyCheckpoint("llama-tiny", _temp);
        File.Delete(Path.Combine(folder, "model.safetensors"));

        string error = await Fails(command, folder);

        Assert.Contains("no checkpoint found: expected model.safetensors", error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Malformed_config_json_names_the_file_and_position(string command)
    {
        string folder = Fixtures.CopyCheckpoint("llama-tiny", _temp);
        File.WriteAllText(Path.Combine(folder, "config.json"), "{\"model_type\": \"llama\",");

        string error = await Fails(command, folder);

        Assert.Contains($"{Path.Combine(folder, "config.json")}: malformed JSON at line", error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task An_unknown_model_type_lists_the_supported_ones(string command)
    {
        string folder = Fixtures.CopyCheckpoint("llama-tiny", _temp);
        string config = Path.Combine(folder, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"llama\"", "\"falcon\"", StringComparison.Ordinal));

        string error = await Fails(command, folder);

        Assert.Contains($"{config}: field 'model_type' is 'falcon', which Geode does not run; supported: gemma4, gemma4_text, gemma3, gemma3_text, llama, qwen2, mistral.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_with_a_missing_reference_names_the_flag_and_file()
    {
        string missing = Path.Combine(_temp.Path, "nope.safetensors");

        string error = await Run("model", "verify", "--model", Fixtures.Folder("llama-tiny"), "--reference", missing);

        Assert.Contains($"--reference {missing}: no such file.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_with_a_reference_lacking_input_ids_names_the_tensor()
    {
        // A checkpoint is a valid safetensors file but not a reference.
        string notReference = Path.Combine(Fixtures.Folder("llama-tiny"), "model.safetensors");

        string error = await Run("model", "verify", "--model", Fixtures.Folder("llama-tiny"), "--reference", notReference);

        Assert.Contains("tensor 'input_ids' is missing", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("model", "verify", "--reference", "REF")]
    [InlineData("generate", "--prompt", "hi")]
    public async Task An_unknown_dtype_names_the_flag_and_the_accepted_values(params string[] args)
    {
        string[] full = [.. args.Select(a => a == "REF" ? Fixtures.Reference("llama-tiny") : a), "--model", Fixtures.Folder("llama-tiny"), "--dtype", "float8"];

        string error = await Run(full);

        Assert.Contains("--dtype: 'float8' is not a dtype Geode runs models in; use float32, bfloat16, float16, float64, int8.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_without_tokenizer_json_names_the_file()
    {
        // The fixtures ship no tokenizer.
        string error = await Run("generate", "--model", Fixtures.Folder("gemma4-tiny-a"), "--prompt", "hi");

        Assert.Contains($"{Fixtures.Folder("gemma4-tiny-a")}: tokenizer.json is missing", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--top-k", "5")]
    [InlineData("--seed", "3")]
    public async Task Sampling_flags_without_a_temperature_are_refused(string flag, string value)
    {
        string error = await Run("generate", "--model", Fixtures.Folder("gemma4-tiny-a"), "--prompt", "hi", flag, value);

        Assert.Contains($"{flag} applies to sampling; add --temperature T", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_negative_tolerance_is_refused()
    {
        string error = await Run("model", "verify", "--model", Fixtures.Folder("llama-tiny"), "--reference", Fixtures.Reference("llama-tiny"), "--tolerance", "-1");

        Assert.Contains("--tolerance: -1 is not a non-negative number.", error, StringComparison.Ordinal);
    }

    private Task<string> Fails(string command, string folder) => command switch
    {
        "verify" => Run("model", "verify", "--model", folder, "--reference", Fixtures.Reference("llama-tiny")),
        "info" => Run("model", "info", "--model", folder),
        _ => Run("generate", "--model", folder, "--prompt", "hi"),
    };

    private async Task<string> Run(params string[] args)
    {
        var clock = Stopwatch.StartNew();
        CliResult result = await CliRunner.RunAsync(args);
        clock.Stop();
        log.WriteLine($"{clock.Elapsed.TotalMilliseconds:F1} ms: geode {string.Join(' ', args)}");
        log.WriteLine(result.Error);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.Output);
        string message = result.Error.TrimEnd('\n');
        Assert.StartsWith("geode: ", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
        return message;
    }
}
