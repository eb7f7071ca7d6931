namespace Geode.Model.Config;

/// <summary>The gated MLP's activation.</summary>
public enum Activation
{
    /// <summary><c>gelu_pytorch_tanh</c>: 0.5·u·(1 + tanh(√(2/π)·(u + 0.044715·u³))).</summary>
    GeluTanh,

    /// <summary><c>gelu</c>: the exact (erf) GELU.</summary>
    Gelu,

    /// <summary><c>silu</c>: u·σ(u).</summary>
    Silu,
}
