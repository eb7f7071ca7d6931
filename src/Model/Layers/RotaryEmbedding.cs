using Geode.Model.Config;
using static TorchSharp.torch;

namespace Geode.Model.Layers;

/// <summary>
/// Rotary position embedding, "rotate half" convention: x·cos + rotate_half(x)·sin with
/// rotate_half(x) = [−x₂, x₁]. Angles are computed in float32 from absolute positions, then cast
/// to the activation dtype, as transformers does.
/// </summary>
internal sealed class RotaryEmbedding : IDisposable
{
    private readonly Tensor _inverseFrequencies;

    public RotaryEmbedding(RopeSpec spec, Device device)
    {
        using Tensor cpu = spec.InverseFrequencies();
        _inverseFrequencies = cpu.to(device);
    }

    /// <summary>cos and sin tables for positions [B,T]: each [B,T,1,d] in <paramref name="dtype"/>.</summary>
    public (Tensor Cos, Tensor Sin) Tables(Tensor positions, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        Tensor angles = positions.to(ScalarType.Float32).unsqueeze(-1) * _inverseFrequencies; // [B,T,d/2]
        Tensor both = cat([angles, angles], -1).unsqueeze(2);                                // [B,T,1,d]
        return (both.cos().to(dtype).MoveToOuterDisposeScope(), both.sin().to(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>Rotates x [B,T,heads,d].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        Tensor first = x.narrow(-1, 0, half);
        Tensor second = x.narrow(-1, half, half);
        Tensor rotated = cat([second.neg(), first], -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }

    public void Dispose() => _inverseFrequencies.Dispose();
}
