using System.Text.Json.Nodes;

namespace Geode.Campaigns.Reporting;

/// <summary>
/// One figure of the HTML report. <see cref="Spec"/> is what the page's script draws: a Plotly
/// chart (<c>kind: plotly</c> with <c>data</c> and <c>layout</c>). A table carries its HTML
/// instead and needs no script.
/// </summary>
/// <param name="Id">The element id, unique in the page.</param>
/// <param name="Section">The heading it appears under.</param>
/// <param name="Title">The figure's title.</param>
/// <param name="Caption">What was measured, on how many prompts, with which judge and generation length.</param>
/// <param name="Spec">What the script draws, or null for a table.</param>
/// <param name="Html">The table's markup, or null for a chart.</param>
public sealed record ReportFigure(string Id, string Section, string Title, string Caption, JsonObject? Spec, string? Html = null);
