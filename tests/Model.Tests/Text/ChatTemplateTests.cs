using Geode.Model.Text;

namespace Geode.Model.Tests.Text;

/// <summary>Exact renderings, checked against the strings the models' own templates produce.</summary>
public sealed class ChatTemplateTests
{
    private static readonly ChatMessage System = new("system", "You are a helpful assistant.");
    private static readonly ChatMessage Hello = new("user", "Hello");

    private static readonly ChatMessage[] MultiTurn =
    [
        new("system", "Be brief."),
        new("user", "  What is 2+2?\n"),
        new("assistant", "4."),
        new("user", "And 3+3?"),
    ];

    [Fact]
    public void Gemma4_renders_a_user_turn_and_the_generation_prompt() =>
        Assert.Equal("<bos><|turn>user\nHello<turn|>\n<|turn>model\n", new Gemma4ChatTemplate().Render([Hello]));

    [Fact]
    public void Gemma4_renders_a_native_system_turn() =>
        Assert.Equal(
            "<bos><|turn>system\nYou are a helpful assistant.<turn|>\n<|turn>user\nHello<turn|>\n<|turn>model\n",
            new Gemma4ChatTemplate().Render([System, Hello]));

    [Fact]
    public void Gemma4_trims_content_names_the_assistant_model_and_adds_no_thought_channel() =>
        Assert.Equal(
            "<bos><|turn>system\nBe brief.<turn|>\n<|turn>user\nWhat is 2+2?<turn|>\n<|turn>model\n4.<turn|>\n" +
            "<|turn>user\nAnd 3+3?<turn|>\n<|turn>model\n",
            new Gemma4ChatTemplate().Render(MultiTurn));

    [Fact]
    public void Gemma4_strips_thought_channels_from_earlier_model_turns() =>
        Assert.Equal(
            "<bos><|turn>user\nHi<turn|>\n<|turn>model\nHello there.<turn|>\n",
            new Gemma4ChatTemplate().Render(
                [new("user", "Hi"), new("assistant", "<|channel>thought\nGreet back.<channel|>Hello there. ")],
                addGenerationPrompt: false));

    [Fact]
    public void Gemma3_prefixes_the_system_text_to_the_first_user_turn() =>
        Assert.Equal(
            "<bos><start_of_turn>user\nYou are a helpful assistant.\n\nHello<end_of_turn>\n<start_of_turn>model\n",
            new Gemma3ChatTemplate().Render([System, Hello]));

    [Fact]
    public void Gemma3_renders_a_user_turn_and_the_generation_prompt() =>
        Assert.Equal("<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n", new Gemma3ChatTemplate().Render([Hello]));

    [Fact]
    public void Gemma3_renders_a_multi_turn_conversation() =>
        Assert.Equal(
            "<bos><start_of_turn>user\nBe brief.\n\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n4.<end_of_turn>\n" +
            "<start_of_turn>user\nAnd 3+3?<end_of_turn>\n",
            new Gemma3ChatTemplate().Render(MultiTurn, addGenerationPrompt: false));

    [Theory]
    [InlineData("assistant", "user")]
    [InlineData("user", "user")]
    [InlineData("user", "system")]
    public void Gemma3_refuses_roles_that_do_not_alternate(string first, string second)
    {
        var error = Assert.Throws<BadInputException>(
            () => new Gemma3ChatTemplate().Render([new(first, "a"), new(second, "b")]));

        Assert.Contains("must alternate user/assistant", error.Message, StringComparison.Ordinal);
        Assert.Equal("role", error.Field);
    }

    [Fact]
    public void Gemma3_refuses_a_system_message_with_nothing_to_prefix() =>
        Assert.Throws<BadInputException>(() => new Gemma3ChatTemplate().Render([System]));

    [Fact]
    public void Llama3_renders_headers_and_trimmed_content() =>
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n4.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nAnd 3+3?<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
            new Llama3ChatTemplate().Render(MultiTurn));

    [Fact]
    public void Llama3_renders_a_user_turn_without_a_generation_prompt() =>
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>",
            new Llama3ChatTemplate().Render([Hello], addGenerationPrompt: false));

    [Fact]
    public void ChatMl_renders_content_as_written_and_injects_no_system_prompt()
    {
        Assert.Equal("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n", new ChatMlTemplate().Render([Hello]));
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n  What is 2+2?\n<|im_end|>\n" +
            "<|im_start|>assistant\n4.<|im_end|>\n<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n",
            new ChatMlTemplate().Render(MultiTurn));
    }

    [Fact]
    public void Stop_tokens_end_each_models_turn()
    {
        Assert.Equal(["<turn|>", "<eos>"], new Gemma4ChatTemplate().StopTokens);
        Assert.Equal(["<end_of_turn>", "<eos>"], new Gemma3ChatTemplate().StopTokens);
        Assert.Equal(["<|eot_id|>", "<|end_of_text|>"], new Llama3ChatTemplate().StopTokens);
        Assert.Equal(["<|im_end|>", "<|endoftext|>"], new ChatMlTemplate().StopTokens);
    }

    [Theory]
    [InlineData("tool")]
    [InlineData("User")]
    [InlineData("developer")]
    public void Unknown_roles_are_bad_input_in_every_template(string role)
    {
        IChatTemplate[] templates = [new Gemma4ChatTemplate(), new Gemma3ChatTemplate(), new Llama3ChatTemplate(), new ChatMlTemplate()];
        foreach (IChatTemplate template in templates)
        {
            var error = Assert.Throws<BadInputException>(() => template.Render([new(role, "x")]));
            Assert.Contains($"role '{role}'", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("gemma4", typeof(Gemma4ChatTemplate))]
    [InlineData("gemma4_text", typeof(Gemma4ChatTemplate))]
    [InlineData("gemma3", typeof(Gemma3ChatTemplate))]
    [InlineData("gemma3_text", typeof(Gemma3ChatTemplate))]
    [InlineData("llama", typeof(Llama3ChatTemplate))]
    [InlineData("qwen2", typeof(ChatMlTemplate))]
    public void Model_types_map_to_their_template(string modelType, Type expected) =>
        Assert.IsType(expected, ChatTemplates.ForModelType(modelType));

    [Theory]
    [InlineData("mistral")]
    [InlineData("gpt2")]
    [InlineData("Gemma4")]
    public void Unsupported_model_types_are_bad_input_listing_the_supported_ones(string modelType)
    {
        var error = Assert.Throws<BadInputException>(() => ChatTemplates.ForModelType(modelType));

        Assert.Contains($"model_type '{modelType}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("gemma4, gemma4_text, gemma3, gemma3_text, llama, qwen2", error.Message, StringComparison.Ordinal);
        Assert.Equal("model_type", error.Field);
    }

    [Theory]
    [InlineData("gemma4", typeof(Gemma4ChatTemplate))]
    [InlineData("Gemma3", typeof(Gemma3ChatTemplate))]
    [InlineData("llama3", typeof(Llama3ChatTemplate))]
    [InlineData("chatml", typeof(ChatMlTemplate))]
    public void Templates_are_found_by_name(string name, Type expected)
    {
        IChatTemplate template = ChatTemplates.ByName(name);

        Assert.IsType(expected, template);
        Assert.Equal(name, template.Name, ignoreCase: true);
    }

    [Fact]
    public void An_unknown_template_name_is_bad_input_listing_the_names()
    {
        var error = Assert.Throws<BadInputException>(() => ChatTemplates.ByName("vicuna"));

        Assert.Equal("'vicuna' is not a chat template. Known templates: gemma4, gemma3, llama3, chatml.", error.Message);
    }
}
