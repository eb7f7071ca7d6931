using Geode.Model.Inference;
using Geode.Model.Native;
using Geode.Model.Tests.Edits;
using Geode.Model.Weights;
using Geode.Tests;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Int8;

/// <summary>
/// Every Hugging Face fixture in int8 (int8 weight matrices, bfloat16 compute) against the same
/// model in float32, with bfloat16 measured the same way as the yardstick.
/// </summary>
public sealed class Int8ParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Fixtures => new(Directory.GetDirectories(RepositoryPaths.HfFixtures).Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Int8_logits_stay_within_a_small_multiple_of_bfloat16s_error(string fixture)
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        using var scope = NewDisposeScope();
        (Tensor ids, Tensor mask) = EditFixtures.Inputs(fixture);
        Tensor valid = mask.to(ScalarType.Bool);
        Tensor reference = Logits(fixture, new ModelPrecision(ScalarType.Float32), ids, mask);
        Tensor bf16 = Logits(fixture, new ModelPrecision(ScalarType.BFloat16), ids, mask);
        Tensor int8 = Logits(fixture, new ModelPrecision(ScalarType.BFloat16, WeightFormat.Int8), ids, mask);

        Measures b = Measure(reference, bf16, valid);
        Measures q = Measure(reference, int8, valid);
        output.WriteLine($"{fixture} bfloat16: max abs logit {b.MaxAbs:E2}, first-token KL {b.FirstTokenKl:E2}, argmax agreement {b.Agreement:P1} of {b.Positions}");
        output.WriteLine($"{fixture} int8:     max abs logit {q.MaxAbs:E2}, first-token KL {q.FirstTokenKl:E2}, argmax agreement {q.Agreement:P1} of {q.Positions}");

        // Per-row absmax int8 rounds a weight to a step of max|row|/127. For Gaussian-like rows
        // (max ≈ 3–4σ over 64–1,536 entries) that is an rms error of ≈ 0.8% of σ, against ≈ 0.2%
        // for bfloat16's 8-bit mantissa, and int8 also computes in bfloat16: its logit error should
        // be a small multiple of bfloat16's, at most ≈ 4× (measured 1.3–2.4×). 5× bounds it; KL
        // grows with the square of the logit error, hence 25×. The floors (0.02 on logits of
        // magnitude 1–30, 1e-4 nats) keep a near-exact bfloat16 run from making the bound a hair
        // trigger.
        Assert.True(q.MaxAbs <= (5 * b.MaxAbs) + 0.02, $"int8 max abs logit error {q.MaxAbs:E3} > 5 × bfloat16's {b.MaxAbs:E3} + 0.02");
        Assert.True(q.FirstTokenKl <= (25 * b.FirstTokenKl) + 1e-4, $"int8 first-token KL {q.FirstTokenKl:E3} > 25 × bfloat16's {b.FirstTokenKl:E3} + 1e-4");

        // The fixtures' random weights leave near-ties that any rounding flips: bfloat16 alone
        // keeps fp32's argmax at 88–96% of the 25 real positions. Four in five allows int8 two more
        // flips than bfloat16's worst.
        Assert.True(q.Agreement >= 0.8, $"int8 argmax agreement {q.Agreement:P1} < 80% (bfloat16 {b.Agreement:P1})");

        // The int8 model is not the float one: quantisation must have changed something.
        Assert.True(q.MaxAbs > 0);
    }

    private static Tensor Logits(string fixture, ModelPrecision precision, Tensor ids, Tensor mask)
    {
        using CausalLM model = ModelLoader.Load(RepositoryPaths.HfFixture(fixture), LoadOptions.For(precision, CPU));
        Assert.Equal(precision.Int8Weights, model.HasInt8Weights);
        using ForwardResult result = model.Forward(new ForwardRequest(ids, mask));
        return result.Logits!.to(ScalarType.Float64, copy: true);
    }

    /// <summary>Max abs logit difference at real positions; KL(p‖q) of the next-token distributions at each row's last position, averaged; teacher-forced argmax agreement.</summary>
    internal static Measures Measure(Tensor p, Tensor q, Tensor valid)
    {
        using var scope = NewDisposeScope();
        Tensor real = valid.unsqueeze(-1).expand_as(p);
        double maxAbs = (p - q).abs().masked_select(real).max().item<double>();
        double kl = FirstTokenKl(p, q);
        Tensor same = p.argmax(-1).eq(q.argmax(-1)).masked_select(valid);
        long positions = same.NumberOfElements;
        return new Measures(maxAbs, kl, same.sum().item<long>() / (double)positions, positions);
    }

    /// <summary>Mean over rows of KL(p‖q) between the next-token distributions at the last position (left padding keeps it real).</summary>
    internal static double FirstTokenKl(Tensor p, Tensor q)
    {
        using var scope = NewDisposeScope();
        Tensor logP = p.select(1, p.shape[1] - 1).to(ScalarType.Float64).log_softmax(-1);
        Tensor logQ = q.select(1, q.shape[1] - 1).to(ScalarType.Float64).log_softmax(-1);
        return (logP.exp() * (logP - logQ)).sum(-1).mean().item<double>();
    }

    internal sealed record Measures(double MaxAbs, double FirstTokenKl, double Agreement, long Positions);
}
