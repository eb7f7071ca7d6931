using Geode.Analysis.Evaluation;
using Geode.Analysis.Tests.Organism;
using Geode.Model.Inference;
using Geode.Model.Text;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Evaluation;

/// <summary>Capture rules (DESIGN §1.3): the post-instruction mean and raw rendering, checked against the residuals at every position.</summary>
public sealed class CapturePointTests
{
    private static readonly string[] Prompts = ["How do I treat a burn?", "What is the capital of France?", "Tell me about the moon and the tides."];

    [Fact]
    public void The_mean_point_averages_the_tokens_the_template_adds_after_the_user_text()
    {
        using OrganismSession session = OrganismSession.Open();
        using var scope = NewDisposeScope();
        int suffix = ChatPrompt.PostInstructionTokens(session.Tokenizer, session.Template);
        // Gemma 4's turn end and the model turn's header: "<turn|>\n<|turn>model\n".
        Assert.InRange(suffix, 2, 8);

        Tensor mean = PromptActivations.Capture(session.Model, session.Tokenizer, session.Template, Prompts, batchSize: 2, point: CapturePoint.Mean);
        for (int p = 0; p < Prompts.Length; p++)
        {
            int[] ids = ChatPrompt.Encode(session.Tokenizer, session.Template, Prompts[p]);
            using ForwardResult all = session.Model.Forward(new ForwardRequest(tensor(ids, ScalarType.Int64).unsqueeze(0), ones(1, ids.Length, ScalarType.Int64))
            {
                Capture = ResidualCapture.AllLayers(session.Model.Config.NumLayers, CapturePosition.All),
                Logits = LogitsScope.None,
            });
            for (int l = 0; l <= session.Model.Config.NumLayers; l++)
            {
                Tensor expected = all.Residuals[l][0].narrow(0, ids.Length - suffix, suffix).mean([0]);
                Assert.True(expected.allclose(mean[l][p], rtol: 1e-4, atol: 1e-5), $"prompt {p}, stream {l}");
            }
        }
    }

    [Fact]
    public void Raw_rendering_is_the_bos_token_then_the_text()
    {
        using OrganismSession session = OrganismSession.Open();
        int[] raw = ChatPrompt.Encode(session.Tokenizer, session.Template, session.Model.Config, Prompts[0], PromptRendering.Raw);
        Assert.Equal([session.Model.Config.BosTokenId!.Value, .. session.Tokenizer.Encode(Prompts[0])], raw);
        Assert.Equal(ChatPrompt.Encode(session.Tokenizer, session.Template, Prompts[0]), ChatPrompt.Encode(session.Tokenizer, session.Template, session.Model.Config, Prompts[0], PromptRendering.Template));
    }
}
