namespace Geode.Campaigns.Reporting;

/// <summary>
/// The scripts and styles the report inlines, embedded in this assembly at build time: Plotly.js
/// from the npm registry (build/ReportAssets.targets), the page's own script and styles.
/// </summary>
public static class ReportAssets
{
    /// <summary>Plotly.js (plotly.js-dist-min), minified.</summary>
    public static string Plotly => Read("Geode.Report.plotly.min.js");

    /// <summary>The page's script: draws every figure from the embedded data.</summary>
    public static string Script => Read("Geode.Report.report.js");

    /// <summary>The page's styles.</summary>
    public static string Styles => Read("Geode.Report.report.css");

    private static string Read(string name)
    {
        using Stream stream = typeof(ReportAssets).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The report asset {name} is not embedded in {typeof(ReportAssets).Assembly.GetName().Name}; rebuild (build/ReportAssets.targets fetches it).");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
