using Microsoft.Playwright;

namespace Geode.Client.Tests.Reporting;

/// <summary>
/// Debian's Chromium driven by Playwright, headless. Playwright cannot download its own browsers
/// here, so it launches the system binary (test.sh installs the <c>chromium</c> package); as root
/// Chromium needs <c>--no-sandbox</c>.
/// </summary>
internal static class HeadlessChromium
{
    /// <summary>Where Debian installs the browser.</summary>
    public const string Executable = "/usr/bin/chromium";

    /// <summary>Starts Playwright and the browser; dispose both (the browser first).</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> Launch()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: the report tests need Debian's chromium package, which ./test.sh installs (apt-get install chromium).");
        }

        IPlaywright playwright = await Playwright.CreateAsync();
        IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        });
        return (playwright, browser);
    }
}
