using System.CommandLine;
using Geode.Client.Commands;
using Geode.Model;

namespace Geode.Client;

/// <summary>
/// The <c>geode</c> command line: builds the command tree, runs one command, and turns failures
/// into exit codes — 2 for input the user can fix (the message names the file or flag), 1 for
/// everything else.
/// </summary>
public static class GeodeCli
{
    /// <summary>Exit code for success.</summary>
    public const int Ok = 0;

    /// <summary>Exit code for a failure that is not the input's fault (or a failed check).</summary>
    public const int Failed = 1;

    /// <summary>Exit code for bad input: a wrong flag, a malformed file, a missing folder.</summary>
    public const int BadInput = 2;

    /// <summary>Parses <paramref name="args"/>, runs the command, and returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        RootCommand root = BuildRoot();
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError parseError in parsed.Errors)
            {
                await error.WriteLineAsync($"geode: {parseError.Message}");
            }

            await error.WriteLineAsync("Run 'geode --help' for the commands and their flags.");
            return BadInput;
        }

        var invocation = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,

            // Ctrl-C cancels the command's token; the command then gets this long to stop cleanly
            // (cancel the campaign, stop the silo, let torch finish its forward pass) before the process is ended.
            ProcessTerminationTimeout = TimeSpan.FromSeconds(30),
        };
        try
        {
            return await parsed.InvokeAsync(invocation);
        }
        catch (BadInputException badInput)
        {
            await error.WriteLineAsync($"geode: {badInput.Message}");
            return BadInput;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("geode: cancelled.");
            return Failed;
        }
        catch (Exception failure)
        {
            await error.WriteLineAsync($"geode: {failure.Message}");
            if (Environment.GetEnvironmentVariable("GEODE_DEBUG") == "1")
            {
                await error.WriteLineAsync(failure.ToString());
            }

            return Failed;
        }
    }

    /// <summary>The whole command tree; the deployment tests check manifests' flags against it.</summary>
    internal static RootCommand BuildRoot()
    {
        var root = new RootCommand(
            "Geode: the geometry of refusal in open-weight language models, at cluster scale.");
        root.Add(DoctorCommand.Create());
        root.Add(ModelCommand.Create());
        root.Add(GenerateCommand.Create());
        root.Add(BenchCommand.Create());
        root.Add(ExportCommand.Create());
        root.Add(DiffCommand.Create());
        root.Add(JudgeCommand.Create());
        root.Add(BaselineCommand.Create());
        root.Add(OrganismCommand.Create());
        root.Add(CampaignCommand.Create());
        root.Add(RunCommand.Create());
        root.Add(ReportCommand.Create());
        root.Add(SiloCommand.Create());
        foreach (Command control in CampaignControlCommands.Create())
        {
            root.Add(control);
        }
        return root;
    }
}
