using System.Text;

namespace Geode.Campaigns;

/// <summary>
/// What a campaign may be called. A name becomes the campaign's id (<c>NAME-TIMESTAMP-XXXX</c>),
/// its grain key and Redis keys, and the default output folder <c>runs/ID</c>, so it is one plain
/// path segment: letters, digits, <c>.</c>, <c>_</c> and <c>-</c>, starting with a letter or digit
/// (no <c>..</c>, no separators, nothing absolute), at most <see cref="MaxLength"/> characters.
/// </summary>
public static class CampaignNames
{
    /// <summary>The longest name: ids and folder names stay readable and far below file-system limits.</summary>
    public const int MaxLength = 64;

    /// <summary>Why <paramref name="name"/> cannot name a campaign, or null when it can.</summary>
    public static string? Problem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name.Length > MaxLength)
        {
            return $"'{Shown(name)}' is not a campaign name: give 1 to {MaxLength} characters";
        }

        if (!char.IsAsciiLetterOrDigit(name[0]) || !name.All(Allowed))
        {
            return $"'{Shown(name)}' is not a campaign name: it becomes the output folder runs/NAME-…, so use only letters, digits, '.', '_' and '-', starting with a letter or digit";
        }

        return null;
    }

    /// <summary>
    /// The name a campaign without <c>name:</c> takes from its file: the file name without extension,
    /// every character a name may not hold replaced by <c>-</c> (so <c>my study.yaml</c> is <c>my-study</c>).
    /// </summary>
    public static string FromFile(string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var name = new StringBuilder();
        foreach (char c in Path.GetFileNameWithoutExtension(file))
        {
            name.Append(Allowed(c) ? c : '-');
        }

        string text = name.ToString().TrimStart('.', '_', '-');
        text = text.Length > MaxLength ? text[..MaxLength] : text;
        return text.Length == 0 ? "campaign" : text;
    }

    private static bool Allowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';

    /// <summary>The name as an error message shows it: control characters escaped, long names cut.</summary>
    private static string Shown(string name)
    {
        string cut = name.Length > 80 ? name[..80] + "…" : name;
        var shown = new StringBuilder();
        foreach (char c in cut)
        {
            shown.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return shown.ToString();
    }
}
