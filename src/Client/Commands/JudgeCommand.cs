using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Geode.Analysis.Judges;

namespace Geode.Client.Commands;

/// <summary>
/// <c>geode judge</c>: judges responses without a model. Each input line is
/// <c>{"id","prompt","response"}</c>; the output is one verdict per judge per line and then the
/// judges' pairwise agreement. Exit 0 when judged, 2 for a malformed file or an unknown judge.
/// </summary>
internal static class JudgeCommand
{
    private const string DefaultJudges = "keyword,regex";

    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "A JSON-lines file, one {\"id\",\"prompt\",\"response\"} object per line.", HelpName = "FILE.jsonl", Required = true };
        var judges = new Option<string>("--judges")
        {
            Description = $"Comma-separated judges (default {DefaultJudges}); text judges: {string.Join(", ", JudgeRegistry.ResponseJudgeNames)}.",
            HelpName = "NAME,…",
            DefaultValueFactory = _ => DefaultJudges,
        };
        var json = new Option<bool>("--json") { Description = "Print JSON lines: one {\"id\",\"judge\",\"version\",\"refused\",\"score\"} per verdict, then one {\"agreement\":…} per pair of judges." };
        var command = new Command("judge", "Judge responses for refusal with text judges, and report where the judges disagree.");
        command.Add(input);
        command.Add(judges);
        command.Add(json);
        command.SetAction(async (parsed, cancellation) =>
        {
            // Judges first: a typo in --judges should not wait for a large file to be read.
            string[] names = [.. parsed.GetValue(judges)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            var panel = new JudgePanel(JudgeRegistry.CreateResponseJudges(names, "--judges"));
            IReadOnlyList<ResponseLine> lines = ResponseFile.Read(parsed.GetValue(input)!, "--input");

            JudgedResponse[] judged = [.. lines.Select(l => panel.Judge(l.Id, l.Prompt, l.Response))];
            IReadOnlyList<PairwiseAgreement> agreement = JudgeAgreement.Pairwise(judged);
            TextWriter output = parsed.InvocationConfiguration.Output;
            await output.WriteAsync(parsed.GetValue(json) ? JsonLines(judged, agreement) : Table(panel, judged, agreement));
            return GeodeCli.Ok;
        });
        return command;
    }

    private static string JsonLines(JudgedResponse[] judged, IReadOnlyList<PairwiseAgreement> agreement)
    {
        var text = new StringBuilder();
        foreach (JudgedResponse response in judged)
        {
            foreach (JudgeVerdict verdict in response.Verdicts)
            {
                text.Append(JsonSerializer.Serialize(new { id = response.Id, judge = verdict.Judge, version = verdict.Version, refused = verdict.Refused, score = verdict.Score })).Append('\n');
            }
        }

        foreach (PairwiseAgreement pair in agreement)
        {
            var record = new
            {
                agreement = new
                {
                    judges = new[] { pair.First, pair.Second },
                    n = pair.Table.N,
                    raw = pair.Table.RawAgreement,
                    kappa = pair.Table.Kappa,
                    both_refused = pair.Table.BothRefused,
                    first_only = pair.Table.FirstOnly,
                    second_only = pair.Table.SecondOnly,
                    neither_refused = pair.Table.NeitherRefused,
                    disagreeing_ids = pair.DisagreeingIds,
                },
            };
            text.Append(JsonSerializer.Serialize(record)).Append('\n');
        }

        return text.ToString();
    }

    private static string Table(JudgePanel panel, JudgedResponse[] judged, IReadOnlyList<PairwiseAgreement> agreement)
    {
        var text = new StringBuilder();
        int idWidth = Math.Max(2, judged.Max(r => r.Id.Length));
        int judgeWidth = Math.Max(5, panel.Judges.Max(j => j.Name.Length));
        int versionWidth = Math.Max(7, panel.Judges.Max(j => j.Version.Length));
        void Row(string id, string judge, string version, string refused, string score) =>
            text.Append(CultureInfo.InvariantCulture, $"{id.PadRight(idWidth)}  {judge.PadRight(judgeWidth)}  {version.PadRight(versionWidth)}  {refused,-7}  {score}\n");

        Row("id", "judge", "version", "refused", "score");
        foreach (JudgedResponse response in judged)
        {
            foreach (JudgeVerdict verdict in response.Verdicts)
            {
                Row(response.Id, verdict.Judge, verdict.Version, verdict.Refused ? "yes" : "no", verdict.Score.ToString("F3", CultureInfo.InvariantCulture));
            }
        }

        text.Append('\n');
        foreach (IResponseJudge judge in panel.Judges)
        {
            int refused = judged.Count(r => r.Verdicts.Single(v => v.Judge == judge.Name).Refused);
            text.Append(CultureInfo.InvariantCulture, $"{judge.Name} v{judge.Version}: {refused} of {judged.Length} refused\n");
        }

        foreach (PairwiseAgreement pair in agreement)
        {
            string kappa = pair.Table.Kappa is double k ? k.ToString("F3", CultureInfo.InvariantCulture) : "undefined (both judges constant)";
            string ids = pair.DisagreeingIds.Count == 0 ? "none" : string.Join(", ", pair.DisagreeingIds);
            text.Append(CultureInfo.InvariantCulture, $"{pair.First} vs {pair.Second}: agreement {pair.Table.RawAgreement:F3} on {pair.Table.N}, kappa {kappa}; disagree on {pair.DisagreeingIds.Count}: {ids}\n");
        }

        return text.ToString();
    }
}
