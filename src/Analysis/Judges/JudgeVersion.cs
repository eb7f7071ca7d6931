using System.Security.Cryptography;
using System.Text;

namespace Geode.Analysis.Judges;

/// <summary>Versions for configurable judges.</summary>
internal static class JudgeVersion
{
    /// <summary>
    /// The base version for the built-in configuration, or the base version plus a short hash of
    /// the configuration otherwise — so two runs with different marker lists never report the same
    /// version and a verdict's provenance pins the exact list it came from.
    /// </summary>
    public static string For(string baseVersion, bool isDefault, IEnumerable<string> configuration, string label = "custom")
    {
        if (isDefault)
        {
            return baseVersion;
        }

        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', configuration)));
        return $"{baseVersion}+{label}.{Convert.ToHexStringLower(hash.AsSpan(0, 4))}";
    }
}
