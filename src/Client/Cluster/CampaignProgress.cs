using System.Globalization;
using Geode.Grains.Campaigns;

namespace Geode.Client.Cluster;

/// <summary>
/// Shows a campaign's progress on stderr: on a terminal, one bar per stage redrawn in place
/// (units, tokens/s, ETA); otherwise a plain line when a stage starts or ends, when it pauses or
/// resumes, and every ten seconds, so logs of CI jobs stay readable. A paused campaign's line says
/// what it waits for.
/// </summary>
/// <param name="error">Where progress goes.</param>
/// <param name="terminal">Redraw one line in place.</param>
internal sealed class CampaignProgress(TextWriter error, bool terminal)
{
    private const int BarWidth = 24;
    private const int ListedFailures = 10;
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(10);

    private int _stageIndex = -1;
    private string _lastLine = string.Empty;
    private DateTime _lastPrinted = DateTime.MinValue;
    private string? _waiting;

    /// <summary>Shows <paramref name="status"/>; closes the previous stage's line when a new stage started.</summary>
    public void Update(CampaignStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (status.StageIndex != _stageIndex)
        {
            if (_stageIndex >= 0 && _stageIndex < status.Stages.Count)
            {
                Close($"{Prefix(_stageIndex, status)} done");
            }

            _stageIndex = status.StageIndex;
            _lastPrinted = DateTime.MinValue;
        }

        if (status.Waiting != _waiting)
        {
            // Paused or resumed: news worth a line at once.
            _waiting = status.Waiting;
            _lastPrinted = DateTime.MinValue;
        }

        if (status.Stage is null)
        {
            return;
        }

        string line = Line(status);
        if (terminal)
        {
            error.Write($"\r{line.PadRight(Math.Max(_lastLine.Length, line.Length))}");
            _lastLine = line;
        }
        else if (DateTime.UtcNow - _lastPrinted >= PlainInterval)
        {
            error.WriteLine(line);
            _lastPrinted = DateTime.UtcNow;
        }
    }

    /// <summary>Prints <paramref name="line"/> on a line of its own (news about the connection, not the campaign).</summary>
    public void Note(string line) => Close(line);

    /// <summary>Ends the display with the campaign's outcome.</summary>
    public void Finish(CampaignStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        Update(status);
        if (terminal && _lastLine.Length > 0)
        {
            error.WriteLine();
        }

        error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"geode: campaign {status.Id} {status.Phase.ToString().ToLowerInvariant()} after {Duration(status.Seconds)}{(status.Retries > 0 ? $" ({status.Retries} units retried)" : string.Empty)}"));
        if (status.FailedPrompts.Count > 0)
        {
            // Said at the end, where it is read: the rates are over fewer prompts than asked for.
            string outcome = status.Phase == CampaignPhase.Succeeded ? " and were left out (results.json → STAGE.failed_prompts)" : string.Empty;
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"geode: {status.FailedPrompts.Count} prompt(s) failed on their own{outcome}:"));
            foreach (PromptFailure failure in status.FailedPrompts.Take(ListedFailures))
            {
                error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"geode:   {failure.Stage} prompt {failure.Index} ({failure.PromptId}): {failure.Cause}"));
            }

            if (status.FailedPrompts.Count > ListedFailures)
            {
                error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"geode:   and {status.FailedPrompts.Count - ListedFailures} more"));
            }
        }
    }

    private void Close(string line)
    {
        if (terminal)
        {
            error.Write($"\r{line.PadRight(_lastLine.Length)}\n");
            _lastLine = string.Empty;
        }
        else
        {
            error.WriteLine(line);
        }
    }

    private static string Prefix(int index, CampaignStatus status) =>
        string.Create(CultureInfo.InvariantCulture, $"geode: [{index + 1}/{status.Stages.Count}] {status.Stages[index],-9}");

    private static string Line(CampaignStatus status)
    {
        double fraction = status.Fraction;
        int filled = (int)Math.Round(fraction * BarWidth);
        string bar = new string('█', filled) + new string('░', BarWidth - filled);
        string rate = status.Tokens > 0 && status.StageSeconds > 0 ? string.Create(CultureInfo.InvariantCulture, $"  {status.Tokens / status.StageSeconds:F0} tok/s") : string.Empty;
        string eta = fraction > 0.01 && fraction < 1 ? $"  ETA {Duration(status.StageSeconds / fraction * (1 - fraction))}" : string.Empty;
        if (status.Waiting is string waiting)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{Prefix(status.StageIndex, status)} {bar} {status.Done}/{status.Total} {status.Unit}  paused: {waiting}");
        }

        return string.Create(CultureInfo.InvariantCulture, $"{Prefix(status.StageIndex, status)} {bar} {status.Done}/{status.Total} {status.Unit}{rate}  {Duration(status.StageSeconds)}{eta}");
    }

    private static string Duration(double seconds)
    {
        var span = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return span.TotalHours >= 1 ? span.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : span.ToString(@"m\:ss", CultureInfo.InvariantCulture);
    }
}
