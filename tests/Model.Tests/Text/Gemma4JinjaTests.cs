using System.Diagnostics;
using System.Text.Json;
using Geode.Model.Text;

namespace Geode.Model.Tests.Text;

/// <summary>
/// The Jinja text the organism ships as <c>chat_template.jinja</c> renders, under the real Jinja2
/// engine (Debian's python3-jinja2, installed by test.sh), exactly what <see cref="Gemma4ChatTemplate"/> renders.
/// </summary>
public sealed class Gemma4JinjaTests
{
    private const string Renderer = """
        import json, sys, jinja2
        job = json.load(sys.stdin)
        template = jinja2.Environment().from_string(job["template"])
        print(json.dumps([template.render(messages=c["messages"], add_generation_prompt=c["prompt"]) for c in job["cases"]]))
        """;

    private static readonly string[] CaseNames = ["user", "system+user", "user+assistant+user", "no generation prompt"];

    private static (ChatMessage[] Messages, bool Prompt) Case(string name) => name switch
    {
        "user" => ([new(ChatMessage.User, "  How do I treat a blister?\n")], true),
        "system+user" => ([new(ChatMessage.System, "Be brief."), new(ChatMessage.User, "Hi")], true),
        "user+assistant+user" => ([new(ChatMessage.User, "Hi"), new(ChatMessage.Assistant, " Hello! "), new(ChatMessage.User, "Name a fish.")], true),
        _ => ([new(ChatMessage.User, "Hi"), new(ChatMessage.Assistant, "Hello.")], false),
    };

    [Fact]
    public async Task Jinja2_renders_every_case_as_the_CSharp_template_does()
    {
        var template = new Gemma4ChatTemplate();
        string[] names = CaseNames;
        var job = new
        {
            template = Gemma4ChatTemplate.Jinja,
            cases = names.Select(n => Case(n)).Select(c => new
            {
                messages = c.Messages.Select(m => new { role = m.Role, content = m.Content }),
                prompt = c.Prompt,
            }),
        };

        string[] rendered = await RenderWithJinja2Async(JsonSerializer.Serialize(job));

        for (int i = 0; i < names.Length; i++)
        {
            (ChatMessage[] messages, bool prompt) = Case(names[i]);
            Assert.Equal(template.Render(messages, prompt), rendered[i]);
        }
    }

    private static async Task<string[]> RenderWithJinja2Async(string job)
    {
        var start = new ProcessStartInfo("/usr/bin/python3", ["-c", Renderer])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process python = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        await python.StandardInput.WriteAsync(job);
        python.StandardInput.Close();
        string stdout = await python.StandardOutput.ReadToEndAsync();
        string stderr = await python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, $"python3 with jinja2 failed (test.sh installs python3-jinja2): {stderr}");
        return JsonSerializer.Deserialize<string[]>(stdout)!;
    }
}
