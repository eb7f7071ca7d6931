using Geode.Model;
using Microsoft.Extensions.Logging;

namespace Geode.Client.Cluster;

/// <summary>
/// The level of Geode's own log categories, from the environment variable <c>GEODE_LOG_LEVEL</c>
/// (<c>trace</c>, <c>debug</c>, <c>information</c>, <c>warning</c>, <c>error</c>, <c>critical</c>,
/// <c>none</c>). Prompt and response texts are logged at <c>debug</c> only, so they reach a log —
/// a shared cluster's, a CI job's — only when someone asks for them by name.
/// </summary>
internal static class GeodeLogLevel
{
    /// <summary>The variable's name.</summary>
    public const string Variable = "GEODE_LOG_LEVEL";

    /// <summary>The level the variable asks for, or null when it is unset or empty.</summary>
    /// <exception cref="BadInputException">The variable holds something that is not a level.</exception>
    public static LogLevel? FromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return Enum.TryParse(text.Trim(), ignoreCase: true, out LogLevel level) && Enum.IsDefined(level) && !int.TryParse(text, out _)
            ? level
            : throw new BadInputException($"{Variable}: '{text}' is not a log level; use trace, debug, information, warning, error, critical or none.", Variable);
    }
}
