using Geode.Grains.Workers;
using Geode.Model;
using Geode.Model.Native;
using Geode.Model.Weights;
using Geode.Tests;
using Microsoft.Extensions.Options;

namespace Geode.Grains.Tests;

/// <summary>The silo's model pool reads every precision name in <see cref="ModelDTypes"/>, int8 included.</summary>
public sealed class ModelPoolDTypeTests
{
    private static readonly string Organism = Path.Combine(RepositoryPaths.Root, "models", "organism");

    public ModelPoolDTypeTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    [Fact]
    public async Task Int8_and_bfloat16_are_separate_sessions_and_the_int8_one_holds_int8_weights()
    {
        await using var pool = new ModelPool(Options.Create(new ModelPoolOptions()));

        ModelSession int8 = await pool.Get(Organism, "int8", "cpu");
        ModelSession bf16 = await pool.Get(Organism, "bfloat16", "cpu");

        Assert.NotSame(int8.Worker, bf16.Worker);
        Assert.Equal(new ModelPrecision(TorchSharp.torch.ScalarType.BFloat16, WeightFormat.Int8), await int8.Worker.RunAsync(model => model.Precision));
        Assert.False(await bf16.Worker.RunAsync(model => model.HasInt8Weights));
    }

    [Fact]
    public async Task An_unknown_dtype_is_bad_input_naming_the_accepted_ones()
    {
        await using var pool = new ModelPool(Options.Create(new ModelPoolOptions()));

        BadInputException error = await Assert.ThrowsAsync<BadInputException>(() => pool.Get(Organism, "int4", "cpu"));

        Assert.Contains("int8", error.Message, StringComparison.Ordinal);
    }
}
