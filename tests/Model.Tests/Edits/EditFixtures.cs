using Geode.Model.Checkpoints;
using Geode.Model.Edits;
using Geode.Model.Inference;
using Geode.Model.Weights;
using Geode.Tests;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Edits;

/// <summary>Models, inputs and random edits the edit tests share.</summary>
internal static class EditFixtures
{
    public static LoadOptions Float32 { get; } = new(ScalarType.Float32, CPU);

    public static CausalLM Load(string fixture) => ModelLoader.Load(RepositoryPaths.HfFixture(fixture), Float32);

    /// <summary>The fixture's reference batch: [2, 14], row 1 left-padded by 3.</summary>
    public static (Tensor Ids, Tensor Mask) Inputs(string fixture)
    {
        using SafetensorsFile reference = SafetensorsFile.Open(Path.Combine(RepositoryPaths.HfFixture(fixture), "reference.safetensors"));
        return (reference.Read("input_ids", ScalarType.Int64), reference.Read("attention_mask", ScalarType.Int64));
    }

    /// <summary>A reproducible random basis [H, k] (not orthonormal: resolving must orthonormalise it).</summary>
    public static Tensor RandomBasis(long hidden, int rank, int seed)
    {
        using var generator = new TorchSharp.torch.Generator((ulong)seed);
        return randn([hidden, rank], dtype: ScalarType.Float32, generator: generator);
    }

    public static Edit Single(long hidden, WriterKind writer, int[] layers, int rank, EditVariant variant, bool postNormAware, double alpha = 1.0, int seed = 7) =>
        new([new EditPart(layers, [writer], RandomBasis(hidden, rank, seed), alpha, variant, postNormAware)], $"{writer.Name()}-{variant}-{rank}");

    /// <summary>Logits of one forward pass, float32 on the CPU.</summary>
    public static Tensor Logits(CausalLM model, Tensor ids, Tensor mask, ActivationEdits? edits = null)
    {
        using ForwardResult result = model.Forward(new ForwardRequest(ids, mask) { Edits = edits });
        return result.Logits!.to(ScalarType.Float32, copy: true);
    }

    /// <summary>Logits of the batch with each row's own edit, and each row's largest difference from that row run alone.</summary>
    public static (Tensor Together, double[] Errors) AgainstAlone(CausalLM model, Tensor ids, Tensor mask, IReadOnlyList<Edit?> rowEdits)
    {
        Tensor together = Logits(model, ids, mask, ActivationEdits.PerRow(rowEdits));
        double[] errors = [.. rowEdits.Select((edit, row) => MaxAbs(
            together.narrow(0, row, 1),
            Logits(model, ids.narrow(0, row, 1), mask.narrow(0, row, 1), edit is null ? null : ActivationEdits.ForAllRows(edit))))];
        return (together, errors);
    }

    public static double MaxAbs(Tensor a, Tensor b) => (a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).abs().max().item<double>();
}
