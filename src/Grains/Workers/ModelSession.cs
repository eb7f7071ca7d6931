using Geode.Model.Text;

namespace Geode.Grains.Workers;

/// <summary>A loaded model behind its worker, with the tokenizer and chat template that go with it.</summary>
/// <param name="Worker">The worker that owns the model; run torch work through it.</param>
/// <param name="Tokenizer">The model's tokenizer.</param>
/// <param name="Template">The model's chat template.</param>
public sealed record ModelSession(ModelWorker Worker, TextTokenizer Tokenizer, IChatTemplate Template);
