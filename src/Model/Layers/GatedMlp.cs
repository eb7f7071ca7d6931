using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Inference;
using static TorchSharp.torch;

namespace Geode.Model.Layers;

/// <summary>down(act(gate(x)) ⊙ up(x)), the output edited as a residual writer.</summary>
internal sealed class GatedMlp(int layer, Activation activation, Linear gate, Linear up, Linear down)
{
    /// <summary>The down projection (a residual writer).</summary>
    public Linear Down { get; } = down;

    public Tensor Forward(Tensor x, ForwardContext context)
    {
        using var scope = NewDisposeScope();
        Tensor hidden = Activate(gate.Forward(x), activation) * up.Forward(x);
        return context.Edit(layer, WriterKind.MlpOutput, Down.Forward(hidden)).MoveToOuterDisposeScope();
    }

    /// <summary>Applies a configured activation.</summary>
    public static Tensor Activate(Tensor x, Activation activation) => activation switch
    {
        Activation.GeluTanh => nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh),
        Activation.Gelu => nn.functional.gelu(x),
        _ => nn.functional.silu(x),
    };
}
