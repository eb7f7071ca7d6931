using System.CommandLine;
using Geode.Model.Edits;
using Geode.Model.Export;
using Geode.Model.Native;

namespace Geode.Client.Commands;

/// <summary>
/// <c>geode export --model DIR --edit EDIT --out DIR</c>: writes the checkpoint in DIR with the edit
/// file's edit applied to its weights, in the same layout, to a new folder; prints what it wrote.
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var runtime = new RuntimeOptions();
        var model = new Option<string>("--model") { Description = "The Hugging Face checkpoint folder to edit.", HelpName = "DIR", Required = true };
        var edit = new EditOption("The edit file (.safetensors with a geode.edit entry).", required: true);
        var output = new Option<string>("--out") { Description = "The folder to create for the edited checkpoint (new or empty).", HelpName = "DIR", Required = true };
        var command = new Command("export", "Write an edited checkpoint: same files, names, dtypes and layout as the input.");
        command.Add(model);
        edit.AddTo(command);
        command.Add(output);
        runtime.AddTo(command);
        command.SetAction(async (parsed, cancellation) =>
        {
            TorchRuntimeInfo info = TorchRuntime.Initialize(runtime.Read(parsed));
            Edit loaded = edit.Read(parsed)!;
            ExportSummary summary = CheckpointExporter.Export(
                parsed.GetValue(model)!, loaded, parsed.GetValue(output)!, TorchSharp.torch.device(info.Device.ToString()));

            TextWriter writer = parsed.InvocationConfiguration.Output;
            await writer.WriteLineAsync($"wrote {summary.OutFolder}");
            foreach (string file in summary.CheckpointFiles)
            {
                await writer.WriteLineAsync($"  checkpoint  {file}");
            }

            foreach (string file in summary.CopiedFiles)
            {
                await writer.WriteLineAsync($"  copied      {file}");
            }

            await writer.WriteLineAsync($"edit '{loaded.Name}': {summary.EditedTensors.Count} of {summary.TensorCount} tensors edited");
            foreach (string tensor in summary.EditedTensors)
            {
                await writer.WriteLineAsync($"  edited      {tensor}");
            }

            return GeodeCli.Ok;
        });
        return command;
    }
}
