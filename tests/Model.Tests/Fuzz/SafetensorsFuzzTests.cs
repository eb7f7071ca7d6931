using Geode.Model.Checkpoints;
using Geode.Tests;
using Geode.Tests.Fuzz;
using TorchSharp;
using Xunit.Abstractions;

namespace Geode.Model.Tests.Fuzz;

/// <summary>
/// Hostile safetensors files (issue 9): thousands of mutations of two valid files, each opened and,
/// when that succeeds, read tensor by tensor. Every case must load or be refused with a
/// <see cref="BadInputException"/> naming the file, within the fuzz bounds of <see cref="FuzzRunner"/>.
/// </summary>
public sealed class SafetensorsFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 9_001;
    private const int Cases = 2_400;
    private const string FileName = "fuzz.safetensors";

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Every_mutated_safetensors_file_loads_or_is_refused_with_a_BadInputException_within_bounds()
    {
        SafetensorsSample[] samples = [Organism(), Written()];
        string path = _temp.File(FileName);
        var runner = new FuzzRunner("safetensors", Seed, output);
        foreach (SafetensorsSample sample in samples)
        {
            runner.Baseline(sample.Bytes, input => OpenAndRead(path, input));
        }

        runner.Run(
            Cases,
            random => SafetensorsMutator.Mutate(samples[random.Next(samples.Length)], random),
            input => OpenAndRead(path, input),
            FileName);
    }

    private static void OpenAndRead(string path, FuzzInput input)
    {
        File.WriteAllBytes(path, input.Bytes);
        using SafetensorsFile file = SafetensorsFile.Open(path);
        foreach (TensorInfo tensor in file.Tensors)
        {
            byte[] bytes = file.ReadBytes(tensor.Name);
            Assert.Equal(tensor.ByteLength, bytes.Length);
            using torch.Tensor read = file.Read(tensor.Name);
            Assert.Equal(tensor.Shape, read.shape);
            if (tensor.Shape.Length > 0 && tensor.Shape[0] > 0)
            {
                using torch.Tensor last = file.ReadSlice(tensor.Name, tensor.Shape[0] - 1);
            }
        }
    }

    /// <summary>The organism's planted refusal direction: a real file with a metadata map and escaped JSON in it.</summary>
    private static SafetensorsSample Organism() =>
        new("planted_refusal.safetensors", File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "models", "organism", "planted_refusal.safetensors")));

    /// <summary>A small file in every supported dtype, with a scalar and an empty tensor, written by Geode's writer.</summary>
    private SafetensorsSample Written()
    {
        string path = _temp.File("written.safetensors");
        using (torch.NewDisposeScope())
        {
            SafetensorsWriter.Write(
                path,
                [
                    ("embed.weight", torch.arange(12, dtype: torch.ScalarType.Float32).reshape(4, 3)),
                    ("norm.weight", torch.ones(3, dtype: torch.ScalarType.BFloat16)),
                    ("half", torch.ones(2, 2, dtype: torch.ScalarType.Float16)),
                    ("double", torch.tensor(3.5, dtype: torch.ScalarType.Float64)),
                    ("ids", torch.arange(3, dtype: torch.ScalarType.Int64)),
                    ("i32", torch.arange(4, dtype: torch.ScalarType.Int32).reshape(2, 2)),
                    ("i16", torch.arange(2, dtype: torch.ScalarType.Int16)),
                    ("i8", torch.arange(5, dtype: torch.ScalarType.Int8)),
                    ("u8", torch.arange(5, dtype: torch.ScalarType.Byte)),
                    ("mask", torch.tensor(new[] { true, false, true })),
                    ("empty", torch.zeros(0, 5, dtype: torch.ScalarType.Float32)),
                ],
                new Dictionary<string, string> { ["format"] = "pt" });
        }

        return new("written.safetensors", File.ReadAllBytes(path));
    }
}
