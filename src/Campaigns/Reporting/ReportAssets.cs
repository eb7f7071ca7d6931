namespace Geode.Campaigns.Reporting;

/// <summary>
/// The scripts and styles the report inlines, embedded in this assembly at build time: Plotly.js
/// from the npm registry (build/ReportAssets.targets), the page's own script and styles.
/// </summary>
public static class ReportAssets
{
    /// <summary>The resource name of Plotly.js (plotly.js-dist-min), minified: about 4.6 MB, so pages stream it (<see cref="Open"/>).</summary>
    public const string PlotlyResource = "Geode.Report.plotly.min.js";

    /// <summary>The resource name of the page's script, which draws every figure from the embedded data.</summary>
    public const string ScriptResource = "Geode.Report.report.js";

    /// <summary>The page's styles.</summary>
    public static string Styles => Read("Geode.Report.report.css");

    /// <summary>Opens an embedded asset as text.</summary>
    /// <exception cref="InvalidOperationException">The asset is not embedded (a build without the report assets).</exception>
    public static StreamReader Open(string name) =>
        new(typeof(ReportAssets).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The report asset {name} is not embedded in {typeof(ReportAssets).Assembly.GetName().Name}; rebuild (build/ReportAssets.targets fetches it)."));

    private static string Read(string name)
    {
        using StreamReader reader = Open(name);
        return reader.ReadToEnd();
    }
}
