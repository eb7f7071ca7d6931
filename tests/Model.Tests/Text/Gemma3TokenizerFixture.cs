using Geode.Model.Text;
using Geode.Tests;

namespace Geode.Model.Tests.Text;

/// <summary>The real Gemma 3 tokenizer, loaded once for all the tests that use it (loading takes seconds).</summary>
public sealed class Gemma3TokenizerFixture : IDisposable
{
    public TextTokenizer Tokenizer { get; } = TextTokenizer.Load(TestDataCache.Gemma3TokenizerJson);

    public void Dispose() => Tokenizer.Dispose();
}
