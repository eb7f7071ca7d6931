using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Geode.Tests;

namespace Geode.Client.Tests;

/// <summary>
/// Damaged or inconsistent checkpoints, through the CLI: each is one message naming the file and
/// the tensor or field, exit code 2, and no crash.
/// </summary>
public sealed class CorruptCheckpointTests : IDisposable
{
    private const string Fixture = "llama-tiny";
    private const string Victim = "model.layers.1.mlp.down_proj.weight";
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_truncated_file_is_named()
    {
        string folder = Copy();
        string file = Path.Combine(folder, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length - 100)]);

        await ExpectBadInput(folder, file);
    }

    [Fact]
    public async Task A_header_length_beyond_the_file_is_refused_without_allocating_it()
    {
        string folder = Copy();
        string file = Path.Combine(folder, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(file);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1UL << 62);
        File.WriteAllBytes(file, bytes);

        await ExpectBadInput(folder, file);
    }

    [Fact]
    public async Task Offsets_outside_the_data_are_named_with_the_tensor()
    {
        string folder = Rewrite(header => header[Victim]!["data_offsets"]![1] = (long)header[Victim]!["data_offsets"]![1]! + 1_000_000);

        await ExpectBadInput(folder, Victim);
    }

    [Fact]
    public async Task Overlapping_tensors_are_named()
    {
        string other = "model.layers.1.mlp.up_proj.weight";
        string folder = Rewrite(header =>
        {
            long begin = (long)header[other]!["data_offsets"]![0]!;
            long length = (long)header[Victim]!["data_offsets"]![1]! - (long)header[Victim]!["data_offsets"]![0]!;
            header[Victim]!["data_offsets"] = new JsonArray(begin + 4, begin + 4 + length);
        });

        await ExpectBadInput(folder, "overlap");
    }

    [Fact]
    public async Task An_unsupported_dtype_is_named_with_the_supported_ones()
    {
        string folder = Rewrite(header => header[Victim]!["dtype"] = "F8_E4M3");

        CliResult result = await ExpectBadInput(folder, Victim);
        Assert.Contains("F8_E4M3", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dtype_size_mismatch_with_the_shape_is_named()
    {
        string folder = Rewrite(header => header[Victim]!["dtype"] = "BF16");

        await ExpectBadInput(folder, Victim);
    }

    [Fact]
    public async Task A_shape_that_disagrees_with_the_config_is_named()
    {
        string folder = Copy();
        string config = Path.Combine(folder, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"intermediate_size\": 96", "\"intermediate_size\": 80", StringComparison.Ordinal));

        await ExpectBadInput(folder, "model.layers.0.mlp.gate_proj.weight");
    }

    [Fact]
    public async Task A_missing_tensor_is_named()
    {
        string folder = Rewrite(header => header.Remove(Victim));

        await ExpectBadInput(folder, "layers.1.mlp.down_proj.weight");
    }

    [Fact]
    public async Task A_malformed_header_is_named_with_the_position()
    {
        string folder = Copy();
        string file = Path.Combine(folder, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(file);
        bytes[8 + 5] = (byte)'}';
        File.WriteAllBytes(file, bytes);

        await ExpectBadInput(folder, file);
    }

    private async Task<CliResult> ExpectBadInput(string folder, string named)
    {
        CliResult result = await CliRunner.RunAsync("model", "verify", "--model", folder, "--reference", Fixtures.Reference(Fixture));

        Assert.Equal(2, result.ExitCode);
        string message = result.Error.TrimEnd('\n');
        Assert.StartsWith("geode: ", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
        Assert.Contains(named, message, StringComparison.Ordinal);
        return result;
    }

    private string Copy() => Fixtures.CopyCheckpoint(Fixture, _temp);

    /// <summary>Copies the fixture and rewrites its safetensors header, keeping the data bytes as they were.</summary>
    private string Rewrite(Action<JsonObject> change)
    {
        string folder = Copy();
        string file = Path.Combine(folder, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(file);
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        JsonObject header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, length))!.AsObject();
        change(header);
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        using FileStream output = File.Create(file);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        output.Write(prefix);
        output.Write(json);
        output.Write(Enumerable.Repeat((byte)' ', padded - json.Length).ToArray());
        output.Write(bytes.AsSpan(8 + length));
        return folder;
    }
}
