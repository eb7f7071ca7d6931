using Geode.Analysis.Judges;
using Geode.Model;

namespace Geode.Analysis.Tests.Judges;

/// <summary>The registry creates judges by name and explains what it cannot create.</summary>
public sealed class JudgeRegistryTests
{
    [Fact]
    public void The_registry_lists_keyword_regex_and_first_token_with_versions()
    {
        Assert.Equal(["keyword", "regex", "first-token"], JudgeRegistry.All.Select(j => j.Name));
        Assert.All(JudgeRegistry.All, j => Assert.False(string.IsNullOrEmpty(j.Version)));
        Assert.Equal(["keyword", "regex"], JudgeRegistry.ResponseJudgeNames);
        Assert.Equal("refusal when any of 33 keyword markers appears", JudgeRegistry.All[0].Description);
    }

    [Fact]
    public void An_unknown_judge_is_bad_input_that_lists_the_judges()
    {
        BadInputException error = Assert.Throws<BadInputException>(() => JudgeRegistry.CreateResponseJudges(["keyword", "llm"], "--judges"));

        Assert.Contains("--judges: unknown judge 'llm'", error.Message, StringComparison.Ordinal);
        Assert.Contains("keyword", error.Message, StringComparison.Ordinal);
        Assert.Contains("first-token", error.Message, StringComparison.Ordinal);
        Assert.Equal("llm", error.Field);
    }

    [Fact]
    public void The_first_token_judge_is_not_a_text_judge_and_says_why()
    {
        BadInputException error = Assert.Throws<BadInputException>(() => JudgeRegistry.CreateResponseJudges(["first-token"], "--judges"));

        Assert.Contains("first-token logits", error.Message, StringComparison.Ordinal);
    }
}
