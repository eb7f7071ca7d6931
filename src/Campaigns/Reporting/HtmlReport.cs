using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Geode.Campaigns.Execution;
using Geode.Model.Files;

namespace Geode.Campaigns.Reporting;

/// <summary>
/// <c>report.html</c>: one self-contained page (scripts, styles and data inlined, so it opens
/// offline) with every figure a campaign's results support, each with a caption that says what
/// was measured, on how many prompts, with which judge and generation length.
/// </summary>
public sealed class HtmlReport : ICampaignReport
{
    /// <summary>The file name in the output folder.</summary>
    public const string FileName = "report.html";

    /// <summary>The builders, in the order their figures appear.</summary>
    private static readonly Func<ReportContext, IEnumerable<ReportFigure>>[] Builders =
    [
        RefusalFigures.Build,
        GeometryFigures.Build,
        ActivationMapFigures.Build,
        SweepFigures.Build,
        CascadeFigures.Build,
        DescentFigures.Build,
        SelectiveFigures.Build,
        DiffFigures.Build,
        ProvenanceFigures.Build,
    ];

    private static readonly JsonSerializerOptions DataFormat = new() { Encoder = JavaScriptEncoder.Default };

    /// <inheritdoc />
    public string Write(JsonObject results, string outDir)
    {
        string path = Path.Combine(outDir, FileName);
        AtomicFile.Write(path, stream =>
        {
            using var page = new StreamWriter(stream, leaveOpen: true);
            Render(results, outDir, page);
        });
        return path;
    }

    /// <summary>Every figure the results support, in page order.</summary>
    public static IReadOnlyList<ReportFigure> Figures(ReportContext context) => [.. Builders.SelectMany(build => build(context))];

    /// <summary>The page, as one string.</summary>
    public static string Render(JsonObject results, string outDir)
    {
        using var page = new StringWriter(CultureInfo.InvariantCulture);
        Render(results, outDir, page);
        return page.ToString();
    }

    /// <summary>
    /// Writes the page to <paramref name="page"/>. Everything read from <paramref name="results"/>
    /// and the artifacts is read before the first character is written, so a malformed input
    /// leaves <paramref name="page"/> untouched; Plotly (4.6 MB) is streamed, never held as a string.
    /// </summary>
    public static void Render(JsonObject results, string outDir, TextWriter page)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(page);
        var context = new ReportContext(results, outDir);
        IReadOnlyList<ReportFigure> figures = Figures(context);
        string name = (string?)results["campaign"]?["name"] ?? "campaign";
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append(CultureInfo.InvariantCulture, $"<title>Geode report: {Encode(name)}</title>")
            .Append("<style>").Append(ReportAssets.Styles).Append("</style></head><body>")
            .Append(CultureInfo.InvariantCulture, $"<header><h1>Campaign {Encode(name)}</h1><p class=\"sub\">{Encode(results["campaign"]?["id"])} · model {Encode(results["provenance"]?["model"]?["folder"])} · {Encode(results["provenance"]?["prompts"]?["count"])} prompts · judge {Encode(context.Judge)}</p>");
        html.Append("<nav>");
        foreach (string section in figures.Select(f => f.Section).Distinct())
        {
            html.Append(CultureInfo.InvariantCulture, $"<a href=\"#{Anchor(section)}\">{Encode(section)}</a>");
        }

        html.Append("</nav></header><main>");
        foreach (IGrouping<string, ReportFigure> section in figures.GroupBy(f => f.Section))
        {
            html.Append(CultureInfo.InvariantCulture, $"<section id=\"{Anchor(section.Key)}\"><h2>{Encode(section.Key)}</h2>");
            foreach (ReportFigure figure in section)
            {
                html.Append(CultureInfo.InvariantCulture, $"<figure class=\"figure\" data-figure=\"{Encode(figure.Id)}\"><h3>{Encode(figure.Title)}</h3>");
                html.Append(CultureInfo.InvariantCulture, $"<div class=\"figure-body{(figure.Spec is null ? " table" : " chart")}\" id=\"{Encode(figure.Id)}\">{figure.Html}</div>");
                html.Append(CultureInfo.InvariantCulture, $"<figcaption>{Encode(figure.Caption)}</figcaption></figure>");
            }

            html.Append("</section>");
        }

        var data = new JsonObject
        {
            ["figures"] = new JsonArray([.. figures.Where(f => f.Spec is not null).Select(f =>
            {
                JsonObject spec = f.Spec!.DeepClone().AsObject();
                spec["id"] = f.Id;
                return (JsonNode?)spec;
            })]),
        };
        html.Append("</main><footer>Written by Geode ").Append(Encode(results["provenance"]?["code_version"])).Append(". Charts drawn with Plotly.js, inlined: the page opens offline.</footer>");
        html.Append("<script id=\"geode-report-data\" type=\"application/json\">").Append(data.ToJsonString(DataFormat)).Append("</script>");

        page.Write(html);
        WriteScript(page, ReportAssets.PlotlyResource);
        WriteScript(page, ReportAssets.ScriptResource);
        page.Write("</body></html>\n");
    }

    /// <summary>Inlines an embedded script.</summary>
    private static void WriteScript(TextWriter page, string resource)
    {
        page.Write("<script>");
        using (StreamReader script = ReportAssets.Open(resource))
        {
            CopyScript(script, page);
        }

        page.Write("</script>");
    }

    /// <summary>
    /// Copies a script into the page chunk by chunk. A literal "&lt;/script" inside it would end
    /// the element early, so each one (in any case) is written "&lt;\/script" (equivalent in
    /// JavaScript strings and regular expressions); the last few characters of a chunk wait for
    /// the next, so one split across two chunks is found too.
    /// </summary>
    /// <param name="script">The script's text.</param>
    /// <param name="page">Where it goes.</param>
    /// <param name="chunk">Characters read at a time (small ones in tests, to split tags across chunks).</param>
    internal static void CopyScript(TextReader script, TextWriter page, int chunk = 1 << 16)
    {
        const string End = "</script";
        char[] buffer = new char[chunk + End.Length];
        int carried = 0;
        int read;
        while ((read = script.Read(buffer, carried, chunk)) > 0)
        {
            int length = carried + read;

            // A match can start only where all its characters have been read.
            int settled = length - (End.Length - 1);
            int start = 0;
            int at;
            while ((at = buffer.AsSpan(start, length - start).IndexOf(End, StringComparison.OrdinalIgnoreCase)) >= 0 && start + at < settled)
            {
                page.Write(buffer, start, at);
                page.Write("<\\");
                page.Write(buffer, start + at + 1, End.Length - 1);
                start += at + End.Length;
            }

            int keep = Math.Max(start, settled);
            page.Write(buffer, start, keep - start);
            carried = length - keep;
            Array.Copy(buffer, keep, buffer, 0, carried);
        }

        page.Write(buffer, 0, carried);
    }

    private static string Encode(object? value) => WebUtility.HtmlEncode(value?.ToString() ?? string.Empty);

    private static string Anchor(string section) => "s-" + new string([.. section.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);
}
