using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Geode.Campaigns;

namespace Geode.Client.Commands;

/// <summary>
/// <c>geode campaign check FILE</c>: validates a campaign file the way <c>geode run</c> will before
/// it starts anything, and prints what the campaign would run. Exit 0 when valid, 2 otherwise (the
/// message lists every problem as FILE:LINE: key.path: what is wrong).
/// </summary>
internal static class CampaignCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("CAMPAIGN.yaml") { Description = "The campaign file." };
        var json = new Option<bool>("--json") { Description = "Print the validated campaign as one JSON object." };
        var check = new Command("check", "Validate a campaign file (nothing runs) and summarise it.");
        check.Add(file);
        check.Add(json);
        check.SetAction(async (parsed, cancellation) =>
        {
            Campaign campaign = CampaignReader.Load(parsed.GetValue(file)!);
            TextWriter output = parsed.InvocationConfiguration.Output;
            if (parsed.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(campaign, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
                return GeodeCli.Ok;
            }

            await output.WriteLineAsync($"campaign '{campaign.Name}' ({campaign.File}) is valid");
            await output.WriteLineAsync($"  model    {campaign.Model.Folder} ({campaign.Model.DType}, {campaign.Model.Device})");
            await output.WriteLineAsync($"  prompts  {campaign.Prompts.File ?? "built-in benchmark"}: {string.Join(", ", campaign.Prompts.Categories)}");
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  judges   {string.Join(", ", campaign.Judges)}; {campaign.Generation.MaxNewTokens} new tokens, batch {campaign.Generation.Batch}"));
            await output.WriteLineAsync($"  stages   {string.Join(" → ", campaign.Stages.Enabled)}");
            return GeodeCli.Ok;
        });

        var command = new Command("campaign", "Work with campaign files.");
        command.Add(check);
        return command;
    }
}
