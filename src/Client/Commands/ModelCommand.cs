using System.CommandLine;

namespace Geode.Client.Commands;

/// <summary><c>geode model</c>: commands about one checkpoint (<c>verify</c>, <c>info</c>).</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var command = new Command("model", "Inspect and check one checkpoint.");
        command.Add(ModelVerifyCommand.Create());
        command.Add(ModelInfoCommand.Create());
        return command;
    }
}
